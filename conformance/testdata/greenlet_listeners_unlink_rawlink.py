# from: gevent src/gevent/tests/test__greenlet.py
# TestStuff.test_multiple_listeners_error_unlink_Greenlet_rawlink (a raw link may unlink a later
# one before it runs). DELAY*10 -> 50 ms. stderr: two failure reports.
import gevent

class ExpectedError(Exception):
    pass

results = []

def listener1(p):
    p.unlink(listener2)
    results.append(5)
    raise ExpectedError('listener1')

def listener2(p):
    p.unlink(listener1)
    results.append(5)
    raise ExpectedError('listener2')

def listener3(_p):
    raise ExpectedError('listener3')

p = gevent.spawn(lambda: 5)
p.rawlink(listener1)
p.rawlink(listener2)
p.rawlink(listener3)
gevent.sleep(0.05)
print(results)
