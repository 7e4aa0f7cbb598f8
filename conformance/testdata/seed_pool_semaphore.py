# from: seeds 001 and 002 (BoundedSemaphore(2) with worker1 via acquire/release and worker2 via
# `with sem:`, each batch run by Pool().map).
from gevent import sleep
from gevent.pool import Pool
from gevent.lock import BoundedSemaphore
sem = BoundedSemaphore(2)
def worker1(n):
    sem.acquire()
    print('Worker %i acquired semaphore' % n)
    sleep(0)
    sem.release()
    print('Worker %i released semaphore' % n)
def worker2(n):
    with sem:
        print('Worker %i acquired semaphore' % n)
        sleep(0)
    print('Worker %i released semaphore' % n)
pool = Pool()
pool.map(worker1, range(0, 2))
pool.map(worker2, range(3, 6))
