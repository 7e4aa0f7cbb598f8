# Seed 000 (AsyncResult; same joinall as the Event program): sleep 3 s -> 0.03 s.
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
gevent.joinall([gevent.spawn(setter)] + [gevent.spawn(waiter) for _ in range(5)])
