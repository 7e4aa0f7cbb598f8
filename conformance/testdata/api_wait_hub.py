# from: gevent src/gevent/_hub_primitives.py wait_on_objects(None) and hub.py Hub.join (gevent.wait()
# with no objects runs the loop until it has nothing left: greenlets spawned meanwhile, spawn_later and
# timers included; with a timeout it returns False, and the work goes on afterwards). The Go port calls
# gevent.WaitAll; its timeout is an error matching ErrTimeout, printed as False.
import gevent

trace = []


def child(n):
    trace.append('child %d' % n)
    gevent.sleep(0.01)
    trace.append('child %d done' % n)


def parent():
    trace.append('parent')
    gevent.spawn(child, 1)
    gevent.spawn_later(0.02, child, 2)


gevent.spawn(parent)
print(gevent.wait())
print(' / '.join(trace))

sleeper = gevent.spawn(gevent.sleep, 10)
print(gevent.wait(timeout=0.02))
print(sleeper.dead)
sleeper.kill()
print(gevent.wait(timeout=0.02))
print(sleeper.dead)
print(gevent.wait())
print(gevent.wait(timeout=0))
