# from: gevent src/gevent/lock.py BoundedSemaphore (releasing past the initial value raises
# ValueError; exercised by test__semaphore.py TestBoundedSemaphoreMultiThread) and the Lock
import gevent
from gevent.lock import BoundedSemaphore, Semaphore

b = BoundedSemaphore(1)
try:
    b.release()
except ValueError:
    print('ValueError')
print(b.acquire(), b.locked(), b.acquire(blocking=False))
b.release()
print(b.locked())
s = Semaphore(1)
s.release()
print(s.counter)
