# Seed 002 (AsyncResult, set() without a value), Python 3 print: sleep 3 s -> 0.03 s.
import gevent
from gevent.event import AsyncResult
a = AsyncResult()
def setter():
    gevent.sleep(0.03)
    a.set()
def waiter():
    a.get()
    print('I live!')
gevent.joinall([gevent.spawn(setter), gevent.spawn(waiter)])
