# Seeds 001 and 003, the whole determinism demo. Kept here beside its gevent
# half (conformance/testdata/seed_pool_determinism.py, the pair): the
# multiprocessing half prints False on most runs, the contrast
# ExampleIMapUnordered_determinism's comment names; no pair can compare it.
import time
def echo(i):
    time.sleep(0.001)
    return i
from multiprocessing.pool import Pool
p = Pool(10)
run1 = [a for a in p.imap_unordered(echo, range(10))]
run2 = [a for a in p.imap_unordered(echo, range(10))]
run3 = [a for a in p.imap_unordered(echo, range(10))]
run4 = [a for a in p.imap_unordered(echo, range(10))]
print(run1 == run2 == run3 == run4)
from gevent.pool import Pool
p = Pool(10)
run1 = [a for a in p.imap_unordered(echo, range(10))]
run2 = [a for a in p.imap_unordered(echo, range(10))]
run3 = [a for a in p.imap_unordered(echo, range(10))]
run4 = [a for a in p.imap_unordered(echo, range(10))]
print(run1 == run2 == run3 == run4)
print(run1)
