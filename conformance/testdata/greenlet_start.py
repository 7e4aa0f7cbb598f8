# from: gevent src/gevent/tests/test__greenlet.py TestStart.test_start (start twice is harmless; a
# finished greenlet cannot start again)
import gevent

g = gevent.spawn(gevent.sleep, 0.01)
print(g.started, g.dead)
g.start()
print(g.started, g.dead)
g.join()
print(g.started, g.dead, g.ready())
g.start()
print(g.started, g.dead, g.ready())
