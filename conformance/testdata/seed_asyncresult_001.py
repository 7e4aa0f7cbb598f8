# from: seeds 001 and 002 (AsyncResult set by a setter after a sleep; 002's waiter prints
# 'I live!' after get() of an empty set()). Shortened: 3 s -> 30 ms.
import gevent
from gevent.event import AsyncResult

a = AsyncResult()

def setter():
    gevent.sleep(0.03)
    a.set('Hello!')

def waiter():
    print(a.get())

gevent.joinall([
    gevent.spawn(setter),
    gevent.spawn(waiter),
])

b = AsyncResult()

def setter2():
    gevent.sleep(0.03)
    b.set()

def waiter2():
    b.get()
    print('I live!')

gevent.joinall([
    gevent.spawn(setter2),
    gevent.spawn(waiter2),
])
