# from: seed 001 (gr1/gr2/gr3 polling with select.select). Shortened: 1 s -> 0.5 s, 2 s -> 1 s
# in both programs; the Go port waits with gevent.Sleep (no select module). The hub is made before
# the clock starts, as in the Go port (made lazily, it cost up to 0.25 s on a loaded machine).
import time
import gevent
from gevent import select

gevent.get_hub()
start = time.time()
tic = lambda: 'at %1.1f seconds' % (time.time() - start)

def gr1():
    print('Started Polling: %s' % tic())
    select.select([], [], [], 0.5)
    print('Ended Polling: %s' % tic())

def gr2():
    print('Started Polling: %s' % tic())
    select.select([], [], [], 1.0)
    print('Ended Polling: %s' % tic())

def gr3():
    print("Hey lets do some stuff while the greenlets poll, %s" % tic())
    gevent.sleep(0.5)

gevent.joinall([
    gevent.spawn(gr1),
    gevent.spawn(gr2),
    gevent.spawn(gr3),
])
