# from: seed 000 (AsyncResult passes a message to five waiters; the setter/waiter of the Event
# example). Shortened: 3 s -> 30 ms.
import gevent
from gevent.event import AsyncResult

aevt = AsyncResult()

def setter():
    print('Wait for me')
    gevent.sleep(0.03)
    print("Ok, I'm done")
    aevt.set('Hello!')

def waiter():
    print("I'll wait for you")
    message = aevt.get()
    print('Got wake up message: %s' % message)

gevent.joinall([
    gevent.spawn(setter),
    gevent.spawn(waiter),
    gevent.spawn(waiter),
    gevent.spawn(waiter),
    gevent.spawn(waiter),
    gevent.spawn(waiter)
])
