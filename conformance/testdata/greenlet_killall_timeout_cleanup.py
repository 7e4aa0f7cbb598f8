# from: gevent src/gevent/greenlet.py killall (with block and a timeout, killall raises Timeout when it
# expires; the greenlets' clean-up goes on and finishes later). Clean-up of 0, 0.2 and 0.4 s
# against a 0.05 s timeout.
import gevent
from gevent import GreenletExit

def worker(n):
    try:
        gevent.sleep(10)
    except GreenletExit:
        print('worker', n, 'cleaning up')
        gevent.sleep(0.2 * n)
        print('worker', n, 'clean-up done')
        raise

gs = [gevent.spawn(worker, n) for n in range(3)]
gevent.sleep(0.001)
try:
    gevent.killall(gs, timeout=0.05)
    print('killall returned')
except gevent.Timeout:
    print('killall timed out', [g.dead for g in gs])
gevent.joinall(gs)
print('joinall returned', [g.dead for g in gs], [g.successful() for g in gs])
