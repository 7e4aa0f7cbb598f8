# from: gevent src/gevent/tests/test__event.py TestAsyncResult.test_set_exc (a waiter gets the
# exception set with set_exception)
import gevent
from gevent.event import AsyncResult

class MyException(Exception):
    pass

log = []
e = AsyncResult()
print(e.exception)

def waiter():
    try:
        e.get()
    except MyException as ex:
        log.append(('caught', str(ex)))

gevent.spawn(waiter)
e.set_exception(MyException('boom'))
gevent.sleep(0)
print(log)
print(e.ready(), e.successful(), e.exception)
