# from: gevent src/gevent/tests/test__queue.py TestQueue.test_max_size (a putter blocks on a full
# queue and resumes after a get)
import gevent
from gevent import queue

q = queue.Queue(2)
results = []

def putter(q):
    q.put('a')
    results.append('a')
    q.put('b')
    results.append('b')
    q.put('c')
    results.append('c')
    return "OK"

p = gevent.spawn(putter, q)
gevent.sleep(0)
print(results)
print(q.get())
gevent.sleep(0)
print(results)
print(q.get(), q.get())
print(p.get(timeout=0))
