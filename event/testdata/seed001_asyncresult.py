# Seed 001 (AsyncResult): sleep 3 s -> 0.03 s.
import gevent
from gevent.event import AsyncResult
a = AsyncResult()
def setter():
    gevent.sleep(0.03)
    a.set('Hello!')
def waiter():
    print(a.get())
gevent.joinall([gevent.spawn(setter), gevent.spawn(waiter)])
