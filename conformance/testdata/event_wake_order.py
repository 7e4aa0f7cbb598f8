# from: gevent src/gevent/_abstract_linkable.py behaviour exercised by test__event.py: set() wakes
# the waiters in the order they waited, from a callback run by the loop, after the setter blocks;
# waiters and other ready greenlets interleave as in gevent
import gevent
from gevent.event import Event

e = Event()

def waiter(i):
    print('wait', i)
    e.wait()
    print('woke', i)

def setter():
    print('set')
    e.set()
    print('after set', e.is_set())
    gevent.sleep(0)
    print('setter resumed')

def other():
    print('other runs')
    gevent.sleep(0)
    print('other again')

gs = [gevent.spawn(waiter, i) for i in range(3)]
gs.append(gevent.spawn(setter))
gs.append(gevent.spawn(other))
gevent.joinall(gs)
