# from: gevent src/gevent/tests/test__timeout.py Test.test_with_timeout (with_timeout raises, or
# returns timeout_value, or the function's result)
import gevent

try:
    gevent.with_timeout(0.01, gevent.sleep, 0.02)
except gevent.Timeout:
    print('raised Timeout')
X = object()
r = gevent.with_timeout(0.01, gevent.sleep, 0.02, timeout_value=X)
print(r is X)
r = gevent.with_timeout(0.02, gevent.sleep, 0.01, timeout_value=X)
print(r)
