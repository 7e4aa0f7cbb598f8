# from: seeds 001 and 003 (the determinism demo: four runs of Pool(10).imap_unordered compare
# equal). The multiprocessing half is left out (it is non-deterministic by design); echo sleeps
# with time.sleep as in the seed, which blocks the hub in both runtimes.
import time
from gevent.pool import Pool
def echo(i):
    time.sleep(0.001)
    return i
p = Pool(10)
run1 = [a for a in p.imap_unordered(echo, range(10))]
run2 = [a for a in p.imap_unordered(echo, range(10))]
run3 = [a for a in p.imap_unordered(echo, range(10))]
run4 = [a for a in p.imap_unordered(echo, range(10))]
print(run1 == run2 == run3 == run4)
print(run1)
