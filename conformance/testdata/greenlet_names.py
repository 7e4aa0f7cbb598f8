# from: gevent src/gevent/greenlet.py Greenlet.name and minimal_ident, gevent/_ident.py IdentRegistry
# (a default name "Greenlet-N" is numbered when it is first read, not when the greenlet starts;
# repr, and so the failure report, gives no number). No greenlet object is freed here, so no
# number is reused (gevent reuses the number of a garbage-collected greenlet; the Go port never does).
import gevent


def f():
    gevent.sleep(0)


def fail():
    raise Exception("boom")


a = gevent.spawn(f)
b = gevent.spawn(f)
print(b.name, a.name)
x = gevent.spawn(fail)
gevent.joinall([a, b, x])
c = gevent.spawn(f)
print(c.name, x.name, a.name)
u = gevent.Greenlet(f)
print(u.name)
c.name = "custom"
print(c.name)
d = gevent.spawn_later(0.01, f)
gevent.joinall([c, d])
print(d.name)
print(gevent.spawn(f).name)
