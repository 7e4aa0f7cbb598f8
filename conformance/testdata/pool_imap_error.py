# from: gevent src/gevent/tests/test__pool.py TestErrorInIterator / TestImap (a worker's
# exception is raised by the iterator, in order for imap; results before it are yielded).
import gevent
from gevent.pool import Pool
class Bad(Exception):
    pass
def f(x):
    gevent.sleep(0.001 * (5 - x))
    if x == 3:
        raise Bad('bad %d' % x)
    return x * 10
got = []
try:
    for v in Pool(3).imap(f, range(6)):
        got.append(v)
except Bad as e:
    print('raised', e)
print(got)
