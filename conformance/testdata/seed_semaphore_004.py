# from: seed 004 (BoundedSemaphore(2), six workers sleeping while they hold it). Shortened:
# 2 s -> 20 ms.
import gevent
from gevent.lock import BoundedSemaphore

sem = BoundedSemaphore(2)

def worker(r):
    sem.acquire()
    print(f'Worker {r} acquire a sem')
    gevent.sleep(0.02)
    sem.release()
    print(f'Worker {r} release a sem')

gevent.joinall([
    gevent.spawn(worker, i) for i in range(6)
])
