# from: gevent src/gevent/tests/test__queue.py TestQueue.test_two_waiters_one_dies,
# test_two_bogus_waiters. 0.1 s -> 0.2 s.
import gevent
from gevent import queue
from gevent.event import AsyncResult

def waiter(q, evt):
    evt.set(q.get())

def do_receive(q, evt):
    with gevent.Timeout(0, RuntimeError()):
        try:
            result = q.get()
            evt.set(result)
        except RuntimeError:
            evt.set('timed out')

q = queue.Queue()
dying_evt = AsyncResult()
waiting_evt = AsyncResult()
gevent.spawn(do_receive, q, dying_evt)
gevent.spawn(waiter, q, waiting_evt)
gevent.sleep(0.2)
q.put('hi')
print(dying_evt.get(), waiting_evt.get())

q = queue.Queue()
e1 = AsyncResult()
e2 = AsyncResult()
gevent.spawn(do_receive, q, e1)
gevent.spawn(do_receive, q, e2)
gevent.sleep(0.2)
q.put('sent')
print(e1.get(), e2.get(), q.get())
