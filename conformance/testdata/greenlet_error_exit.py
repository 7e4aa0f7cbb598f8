# from: gevent src/gevent/tests/test__greenlet.py TestBasic.test_error_exit (state after a
# failure; rawlink fires once). The main greenlet sleeps 0.3 s instead of 0.05 s (a margin for a
# loaded machine). stderr: one failure report.
import gevent

class ExpectedError(Exception):
    pass

link_test = []

def func(delay, return_value=4):
    gevent.sleep(delay)
    raise ExpectedError('test_error_exit %s' % return_value)

g = gevent.Greenlet(func, 0.001, return_value=5)
g.rawlink(lambda x: link_test.append(x is g))
g.start()
gevent.sleep()
gevent.sleep(0.3)
print(bool(g), g.dead, g.started, g.ready(), g.successful(), g.value, g.exception)
print(link_test)
