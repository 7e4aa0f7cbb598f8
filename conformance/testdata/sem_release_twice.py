# from: gevent src/gevent/tests/test__semaphore.py TestSemaphore.test_release_twice and
# test_rawlink_on_unacquired_runs_notifiers
import gevent
from gevent.lock import Semaphore

s = Semaphore()
result = []
s.rawlink(lambda s: result.append('a'))
s.release()
s.rawlink(lambda s: result.append('b'))
s.release()
gevent.sleep(0.001)
print(sorted(result))

s = Semaphore()
print(len(gevent.wait([s])))
