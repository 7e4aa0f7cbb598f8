# from: gevent src/gevent/tests/test__pool.py PoolBasicTests (free_count, full, add with
# blocking=False raising PoolFull, wait_available, join, len).
import gevent
from gevent.pool import Pool, PoolFull
p = Pool(2)
print(p.free_count(), p.full(), len(p))
a = p.spawn(gevent.sleep, 0.02)
b = p.spawn(gevent.sleep, 0.02)
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
