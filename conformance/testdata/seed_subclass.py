# from: seeds 001 and 003 (MyGreenlet overriding _run). Shortened: 3 s -> 30 ms.
import gevent
from gevent import Greenlet

class MyGreenlet(Greenlet):
    def __init__(self, message, n):
        Greenlet.__init__(self)
        self.message = message
        self.n = n

    def _run(self):
        print(self.message)
        gevent.sleep(self.n)

g = MyGreenlet("Hi there!", 0.03)
g.start()
g.join()
