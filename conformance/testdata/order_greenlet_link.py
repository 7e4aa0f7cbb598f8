# from: gevent src/gevent/tests/test__order.py Test/Test3/Test4/TestM.test_greenlet_link (links run
# in the order they were added, before join returns), counts 2, 3, 4 and 1000
import gevent

class appender(object):
    def __init__(self, lst, item):
        self.lst = lst
        self.item = item

    def __call__(self, *args):
        self.lst.append(self.item)

for count in (2, 3, 4, 1000):
    lst = []
    g = gevent.spawn(lst.append, 0)
    for i in range(1, count):
        g.link(appender(lst, i))
    g.join()
    print(count, lst == list(range(count)), lst[:4])
