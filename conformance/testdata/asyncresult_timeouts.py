# from: gevent src/gevent/tests/test__event.py TestAsyncResult.test_set, test_set_with_timeout,
# test_nonblocking_get (a Timeout scope with its own exception interrupts get; with_timeout's
# timeout_value; get without blocking). The first setter runs after 0.5 s instead of DELAY (a margin
# for a loaded machine; it is killed before).
import gevent
from gevent.event import AsyncResult

class MyException(Exception):
    pass

DELAY = 0.02
event1 = AsyncResult()
timer_exc = MyException('interrupted')
g = gevent.spawn_later(0.5, event1.set, 'hello event1')
try:
    with gevent.Timeout.start_new(0, timer_exc):
        event1.get()
except MyException as ex:
    print('interrupted:', ex is timer_exc)
g.kill()

event2 = AsyncResult()
X = object()
result = gevent.with_timeout(DELAY, event2.get, timeout_value=X)
print(result is X)

ar = AsyncResult()
try:
    ar.get(block=False)
except gevent.Timeout:
    print('get(block=False) raised Timeout')
ar.set(5)
print(ar.get(block=False))
