# from: gevent src/gevent/tests/test__semaphore.py TestSemaphore.test_acquire_returns_false_after_timeout
import gevent
from gevent.lock import Semaphore

s = Semaphore(value=0)
print(s.acquire(timeout=0.01))
print(s.acquire(blocking=False))
s.release()
print(s.acquire(timeout=0.01), s.counter)
