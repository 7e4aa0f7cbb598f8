# from: gevent src/gevent/tests/test__event.py TestGeventWaitOnEvent.test_set_during_wait
import gevent
from gevent.event import Event

event = Event()

def setter():
    event.set()

def waiter():
    s = gevent.spawn(setter)
    res = event.wait()
    print(res, event.ready())
    s.join()
    event.clear()
    print(event.ready())
    o = gevent.wait((event,), timeout=0.01)
    print(event.ready(), event in o, len(o))

gevent.spawn(waiter).join()
