# from: gevent src/gevent/tests/test__greenlet.py TestStuff.test_multiple_listeners_error (a link
# that raises does not keep the others from running; every error is reported). DELAY*10 -> 50 ms.
# stderr: seven failure reports (six listeners and the greenlet that raised).
import gevent

class ExpectedError(Exception):
    pass

results = []

def listener1(*_args):
    results.append(10)
    raise ExpectedError('listener1')

def listener2(*_args):
    results.append(20)
    raise ExpectedError('listener2')

def listener3(*_args):
    raise ExpectedError('listener3')

p = gevent.spawn(lambda: 5)
p.link(listener1)
p.link(listener2)
p.link(listener3)
gevent.sleep(0.05)
print(results)

def fail():
    raise ExpectedError('test_multiple_listeners_error')

p = gevent.spawn(fail)
results = []
p.link(listener1)
p.link(listener2)
p.link(listener3)
gevent.sleep(0.05)
print(results)
