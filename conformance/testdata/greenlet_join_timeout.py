# from: gevent src/gevent/tests/test__greenlet.py TestJoin, TestGet, TestJoinAll, TestJoinAll0
# (waits that time out: join returns None, get raises Timeout, joinall returns what finished)
import gevent

g = gevent.spawn(gevent.sleep, 10)
print(g.join(timeout=0.01), g.ready())
try:
    g.get(timeout=0.01)
except gevent.Timeout:
    print('get raised Timeout', g.ready())
print(gevent.joinall([g], timeout=0.01), g.ready())
g.kill()
print(g.ready())
g0 = gevent.Greenlet()
print(gevent.joinall([g0], timeout=0.01), g0.ready())
