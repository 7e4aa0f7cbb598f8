# from: gevent src/gevent/tests/test__greenlet.py TestLink.test_link_to_queue,
# test_link_to_channel (a link puts the finished greenlet in a Queue or a Channel)
import gevent
from gevent.queue import Queue, Channel

p = gevent.spawn(lambda: 100)
q = Queue()
p.link(q.put)
print(q.get().get())
for _ in range(3):
    p.link(q.put)
    print(q.get().get())

p1 = gevent.spawn(lambda: 101)
p2 = gevent.spawn(lambda: 102)
p3 = gevent.spawn(lambda: 103)
q = Channel()
p1.link(q.put)
p2.link(q.put)
p3.link(q.put)
results = [q.get().get(), q.get().get(), q.get().get()]
print(results)
