# from: gevent src/gevent/tests/test__timeout.py Test.test_with_timeout (with_timeout raises, or
# returns timeout_value, or the function's result). 10 ms against 20 ms -> 50 ms against 0.5 s
# (a margin for a loaded machine).
import gevent

try:
    gevent.with_timeout(0.05, gevent.sleep, 0.5)
except gevent.Timeout:
    print('raised Timeout')
X = object()
r = gevent.with_timeout(0.05, gevent.sleep, 0.5, timeout_value=X)
print(r is X)
r = gevent.with_timeout(0.5, gevent.sleep, 0.05, timeout_value=X)
print(r)
