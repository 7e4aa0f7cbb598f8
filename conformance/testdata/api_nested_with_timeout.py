# from: gevent src/gevent/tests/test__api.py Test.test_nested_with_timeout (the outer timeout
# wins over an inner one with a timeout_value). 0.2 s, 2 s and 0.1 s -> 500 ms, 1 s and 10 ms.
import gevent

def func():
    return gevent.with_timeout(0.5, gevent.sleep, 1, timeout_value=1)

try:
    gevent.with_timeout(0.01, func)
    print('no timeout')
except gevent.Timeout as t:
    print('Timeout raised')
