# from: gevent src/gevent/tests/test__pool.py PoolBasicTests (free_count, full, add with
# blocking=False raising PoolFull, wait_available, join, len). The greenlets sleep 0.3 s (a margin
# for a loaded machine over wait_available's 1 ms).
import gevent
from gevent.pool import Pool, PoolFull
p = Pool(2)
print(p.free_count(), p.full(), len(p))
a = p.spawn(gevent.sleep, 0.3)
b = p.spawn(gevent.sleep, 0.3)
print(p.free_count(), p.full(), len(p))
try:
    p.add(gevent.spawn(gevent.sleep, 0), blocking=False)
except PoolFull:
    print('PoolFull')
print(p.wait_available(timeout=0.001))
print(p.wait_available())
print(p.free_count(), len(p))
p.join()
print(p.free_count(), p.full(), len(p))
