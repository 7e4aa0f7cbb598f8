# from: gevent src/gevent/tests/test__greenlet.py TestStuff.test_wait_noerrors (joinall with
# raise_error and no error)
import gevent

x = gevent.spawn(lambda: 1)
y = gevent.spawn(lambda: 2)
z = gevent.spawn(lambda: 3)
gevent.joinall([x, y, z], raise_error=True)
print([x.value, y.value, z.value])
