# from: gevent src/gevent/tests/test__timeout.py Test.test_expires, test_expires_false,
# test_expires_str (a started Timeout raises itself in the blocked greenlet, and can be restarted;
# a False exception only matters to a context manager). The hub switch becomes a long sleep.
import gevent

def _test(timeout, close):
    try:
        gevent.sleep(10)
        print('Must raise Timeout')
    except gevent.Timeout as ex:
        print('raised, is the timeout:', ex is timeout)
        if close:
            ex.close()
        return ex

def check_expires(timeout):
    timeout.start()
    _test(timeout, False)
    timeout.start()
    return _test(timeout, True)

check_expires(gevent.Timeout(0.01))
check_expires(gevent.Timeout(0.01, False))
ex = check_expires(gevent.Timeout(0.01, 'XXX'))
print(str(ex).endswith('XXX'))
