# from: gevent src/gevent/tests/test__greenlet.py TestBasic.test_simple_exit (state before start,
# after start, while running, after the end; rawlink fires once)
import gevent

link_test = []

def func(delay, return_value=4):
    gevent.sleep(delay)
    return return_value

def state(g):
    print(bool(g), g.dead, g.started, g.ready(), g.successful(), g.value, g.exception)

g = gevent.Greenlet(func, 0.01, return_value=5)
g.rawlink(lambda x: link_test.append(x is g))
state(g)
g.start()
state(g)
gevent.sleep(0.001)
state(g)
print(link_test)
gevent.sleep(0.02)
state(g)
print(link_test)
