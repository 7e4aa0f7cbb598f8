# from: gevent src/gevent/tests/test__semaphore.py TestSemaphoreFair.test_fair_or_hangs (the
# semaphore is fair: the waiter that exits gets it; joinall ends with LoopExit)
import gevent
import gevent.exceptions
from gevent.lock import Semaphore

def acquire_then_exit(sem, should_quit):
    sem.acquire()
    should_quit.append(True)

def acquire_then_spawn(sem, should_quit):
    if should_quit:
        return
    sem.acquire()
    g = gevent.spawn(release_then_spawn, sem, should_quit)
    g.join()

def release_then_spawn(sem, should_quit):
    sem.release()
    if should_quit:
        return
    g = gevent.spawn(acquire_then_spawn, sem, should_quit)
    g.join()

sem = Semaphore()
should_quit = []
keep_going1 = gevent.spawn(acquire_then_spawn, sem, should_quit)
keep_going2 = gevent.spawn(acquire_then_spawn, sem, should_quit)
exiting = gevent.spawn(acquire_then_exit, sem, should_quit)
try:
    gevent.joinall([keep_going1, keep_going2, exiting])
except gevent.exceptions.LoopExit:
    print('LoopExit')
print(exiting.dead, keep_going2.dead, keep_going1.dead)
sem.release()
keep_going1.kill()
keep_going2.kill()
exiting.kill()
gevent.idle()
print('done')
