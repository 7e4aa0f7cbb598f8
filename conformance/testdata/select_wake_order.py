# from: gevent src/gevent/select.py (select and poll wait through one io watcher per descriptor
# and call; greenlets waiting on the same descriptor are woken in the order they started waiting).
# Four greenlets select on one pipe, then four poll it, then select and poll alternate.
import os
import gevent
from gevent import select

r, w = os.pipe()
order = []

def sel(i):
    rl, wl, xl = select.select([r], [], [], 2)
    order.append(i)
    print('select', i, rl == [r])

def pol(i):
    p = select.poll()
    p.register(r, select.POLLIN)
    ev = p.poll(2000)
    order.append(i)
    print('poll', i, ev == [(r, select.POLLIN)])

for waiter in (sel, pol):
    order = []
    gs = [gevent.spawn(waiter, i) for i in range(4)]
    gevent.sleep(0.02)
    os.write(w, b'x')
    gevent.joinall(gs)
    print(order)
    os.read(r, 1)

order = []
gs = [gevent.spawn(sel if i % 2 == 0 else pol, i) for i in range(4)]
gevent.sleep(0.02)
os.write(w, b'x')
gevent.joinall(gs)
print(order)
os.read(r, 1)

# Two descriptors: the first waiter's stays quiet while the other is ready.
r2, w2 = os.pipe()

def on(i, fd):
    select.select([fd], [], [], 2)
    order.append(i)

order = []
gs = [gevent.spawn(on, i, r2 if i % 2 == 0 else r) for i in range(4)]
gevent.sleep(0.02)
os.write(w, b'x')
gevent.sleep(0.02)
print(order)
os.write(w2, b'x')
gevent.joinall(gs)
print(order)
