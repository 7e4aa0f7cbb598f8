# from: gevent src/gevent/tests/test__greenlet.py TestStuff.test_wait_error (joinall raise_error
# raises the failure; the other greenlet still finishes). stderr: one failure report.
import gevent

class ExpectedError(Exception):
    pass

def x():
    gevent.sleep(0.01)
    return 1

def fail():
    raise ExpectedError('test_wait_error')

x = gevent.spawn(x)
y = gevent.spawn(fail)
try:
    gevent.joinall([x, y], raise_error=True)
except ExpectedError as e:
    print('raised', e)
try:
    gevent.joinall([y], raise_error=True)
except ExpectedError as e:
    print('raised again', e)
print(x.ready())
x.join()
print(x.value)
