# Seed 000 (Event): sleep shortened from 3 s to 0.03 s (same output).
import gevent
from gevent.event import Event
evt = Event()
def setter():
    print('Wait for me')
    gevent.sleep(0.03)
    print("Ok, I'm done")
    evt.set()
def waiter():
    print("I'll wait for you")
    evt.wait()
    print('Finish waiting')
gevent.joinall([gevent.spawn(setter)] + [gevent.spawn(waiter) for _ in range(5)])
