# from: gevent src/gevent/tests/test__greenlet.py TestStuff.test_joinall_exception_order (the
# earliest failure is the one raised). 0.1 s -> 20 ms. stderr: two failure reports.
import gevent

class ExpectedError(Exception):
    pass

def first():
    gevent.sleep(0.02)
    raise ExpectedError('first')

def second():
    raise ExpectedError('second')

a = gevent.spawn(first)
b = gevent.spawn(second)
try:
    gevent.joinall([a, b], raise_error=True)
except ExpectedError as e:
    print('raised', e)
gevent.joinall([a, b])
print(a.exception, b.exception)
