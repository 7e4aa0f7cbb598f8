# Seed 004 (Event, five waiters): sleep shortened from 3 s to 0.03 s.
# Kept here, not in conformance/testdata: seed 004's wording, which
# ExampleEvent_Wait prints; the pair seed_event runs seed 000's.
import gevent
from gevent.event import Event
evt = Event()
def setter():
    print('Wait for me')
    gevent.sleep(0.03)
    print('After 3 sec, I am done')
    evt.set()
def waiter():
    print('I am waiting')
    evt.wait()
    print('Finish waiting')
gevent.joinall([gevent.spawn(setter)] + [gevent.spawn(waiter) for _ in range(5)])
