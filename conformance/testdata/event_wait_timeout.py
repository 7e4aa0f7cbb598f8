# from: gevent src/gevent/tests/test__event.py TestEventWait, TestGeventWaitOnEvent,
# TestAsyncResultWait, TestWaitAsyncResult, TestAsyncResultGet (waits that time out; the Go API
# returns an error matching ErrTimeout where gevent returns False or None, printed as gevent does)
import gevent
from gevent.event import Event, AsyncResult

print(Event().wait(timeout=0.01))
print(gevent.wait([Event()], timeout=0.01))
print(AsyncResult().wait(timeout=0.01))
print(gevent.wait([AsyncResult()], timeout=0.01))
try:
    AsyncResult().get(timeout=0.01)
except gevent.Timeout:
    print('get raised Timeout')
