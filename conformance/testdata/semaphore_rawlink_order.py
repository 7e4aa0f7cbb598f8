# from: gevent src/gevent/_abstract_linkable.py and _semaphore.py: a semaphore's raw links, waiting
# acquirers and wait() callers share one list, notified in the order they were added, and a
# notification stops as soon as no permit is free (notify_all is False)
import gevent
from gevent.lock import Semaphore

s = Semaphore(1)
s.acquire()

def link(name):
    return lambda src: print('link', name, s.counter)

def acquirer(name):
    print('acquire', name)
    s.acquire()
    print('got', name, s.counter)
    gevent.sleep(0)
    s.release()
    print('released', name)

def watcher(name):
    print('wait', name)
    print('waited', name, s.wait())

s.rawlink(link('L1'))
gs = [gevent.spawn(acquirer, 'A')]
gevent.sleep(0)
gs.append(gevent.spawn(watcher, 'W'))
gevent.sleep(0)
s.rawlink(link('L2'))
gs.append(gevent.spawn(acquirer, 'B'))
gevent.sleep(0)
s.rawlink(link('L3'))
print('release')
s.release()
gevent.joinall(gs)
print('done', s.counter)
s.rawlink(link('L4 (on a ready semaphore)'))
gevent.sleep(0)
