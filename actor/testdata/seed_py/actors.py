# Seed 001's actors, stopped as the package's Example stops them: one count
# shared by both, six messages, then both stop. Kept here, not in
# conformance/testdata: the pair seed_actors stops each actor after three
# messages of its own, a different program.
import gevent
from gevent.queue import Queue
from gevent import Greenlet
LIMIT = 6
count = 0
class Actor(gevent.Greenlet):
    def __init__(self):
        self.inbox = Queue()
        Greenlet.__init__(self)
    def receive(self, message):
        raise NotImplemented()
    def _run(self):
        self.running = True
        while self.running:
            message = self.inbox.get()
            self.receive(message)
class Pinger(Actor):
    def receive(self, message):
        global count
        print(message)
        count += 1
        if count >= LIMIT:
            ping.running = False; pong.running = False
            pong.inbox.put('stop')
            return
        pong.inbox.put('ping')
        gevent.sleep(0)
class Ponger(Actor):
    def receive(self, message):
        global count
        print(message)
        count += 1
        if count >= LIMIT:
            ping.running = False; pong.running = False
            ping.inbox.put('stop')
            return
        ping.inbox.put('pong')
        gevent.sleep(0)
ping = Pinger()
pong = Ponger()
ping.start()
pong.start()
ping.inbox.put('start')
gevent.joinall([ping, pong])
