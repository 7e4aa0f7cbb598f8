# from: gevent src/gevent/tests/test__queue.py TestQueue.test_send_first, test_peek_empty,
# test_peek_multi_greenlet (peek with nothing to wait for raises LoopExit; with a timeout, Empty)
import gevent
from gevent import queue
from gevent.hub import LoopExit

q = queue.Queue()
q.put('hi')
print(q.peek(), q.get())
try:
    q.peek()
except LoopExit:
    print('LoopExit')

def waiter(q):
    try:
        q.peek(timeout=0.01)
    except queue.Empty:
        print('Empty')

g = gevent.spawn(waiter, q)
gevent.sleep(0.05)
g.join()

g = gevent.spawn(q.peek)
gevent.sleep(0)
q.put(1)
g.join()
print(g.exception is None, g.value, q.peek())
