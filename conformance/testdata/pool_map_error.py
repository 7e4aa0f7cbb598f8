# from: gevent src/gevent/pool.py GroupMappingMixin.map and __map (gevent 22.10: a helper greenlet
# spawns every item, waiting for slots, before it collects any result in order; the first failure is
# raised, the items after it have started and finish). stderr: two failure reports (the worker and
# the helper).
import gevent
from gevent.pool import Pool

pool = Pool(2)
DELAY = {0: 0.3, 1: 0.1, 2: 0.05, 3: 0.25, 4: 0.05}

def work(i):
    print('start', i)
    gevent.sleep(DELAY[i])
    if i == 1:
        raise ValueError('item %d failed' % i)
    print('end', i)
    return i * 10

try:
    print(pool.map(work, range(5)))
except ValueError as e:
    print('raised', e, '- pool len', len(pool))
pool.join()
print('joined - pool len', len(pool))
print(pool.map(work, [0, 2]))
