# from: gevent src/gevent/tests/test__timeout.py Test.test_context_manager,
# test_context_manager_false, test_context_manager_str (with Timeout: raises itself; a silent one
# is swallowed). The hub switch becomes a long sleep.
import gevent

def check(timeout):
    try:
        with timeout:
            gevent.sleep(10)
    except gevent.Timeout as ex:
        print('raised, is the timeout:', ex is timeout)
        return ex
    print('not raised')

check(gevent.Timeout(0.01))
check(gevent.Timeout(0.01, False))
ex = check(gevent.Timeout(0.01, 'XXX'))
print(str(ex).endswith('XXX'))
