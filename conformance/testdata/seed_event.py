# from: seeds 000 and 004 (an Event wakes five waiters). Shortened: 3 s -> 30 ms.
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

gevent.joinall([
    gevent.spawn(setter),
    gevent.spawn(waiter),
    gevent.spawn(waiter),
    gevent.spawn(waiter),
    gevent.spawn(waiter),
    gevent.spawn(waiter)
])
