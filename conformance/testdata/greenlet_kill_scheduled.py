# from: gevent src/gevent/tests/test__greenlet.py TestRef.test_kill_scheduled, test_kill_started
# (killing a greenlet that never ran, and one that is sleeping). Its sleep 0.1 s -> 1 s (a margin
# for a loaded machine; it is killed long before).
import gevent

g = gevent.spawn(gevent.sleep, 1)
g.kill()
print(g.dead, g.successful(), type(g.value).__name__)
g = gevent.spawn(gevent.sleep, 1)
gevent.sleep(0.001)
g.kill()
print(g.dead, g.successful(), type(g.value).__name__)
