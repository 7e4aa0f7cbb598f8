# from: gevent src/gevent/tests/test__greenlet.py TestBasic.test_simple_exit (state before start,
# after start, while running, after the end; rawlink fires once). The greenlet sleeps 0.2 s and
# the main one 0.001 s then 0.5 s instead of 0.01 s and 0.001 s then 0.02 s (margins for a loaded
# machine).
import gevent

link_test = []

def func(delay, return_value=4):
    gevent.sleep(delay)
    return return_value

def state(g):
    print(bool(g), g.dead, g.started, g.ready(), g.successful(), g.value, g.exception)

g = gevent.Greenlet(func, 0.2, return_value=5)
g.rawlink(lambda x: link_test.append(x is g))
state(g)
g.start()
state(g)
gevent.sleep(0.001)
state(g)
print(link_test)
gevent.sleep(0.5)
state(g)
print(link_test)
