# from: gevent src/gevent/greenlet.py Greenlet.kill and _kill (the GreenletExit is thrown into the
# greenlet, which may catch it and do blocking clean-up before it dies; kill(block=True) waits for
# that clean-up; kill with a timeout returns while the clean-up goes on; a second kill is thrown
# into the clean-up in turn)
import gevent
from gevent import GreenletExit

def worker():
    try:
        gevent.sleep(10)
    except GreenletExit:
        print('worker: killed, flushing')
        gevent.sleep(0.02)
        print('worker: flushed')
        raise

g = gevent.spawn(worker)
gevent.sleep(0.001)
g.kill()
print('kill returned', g.dead, g.successful())

def stubborn():
    try:
        gevent.sleep(10)
    except GreenletExit:
        print('stubborn: killed, cleaning up slowly')
        try:
            gevent.sleep(10)
        finally:
            print('stubborn: clean-up interrupted')
        print('not reached')

g2 = gevent.spawn(stubborn)
gevent.sleep(0.001)
g2.kill(timeout=0.05)
print('kill with timeout returned', g2.dead)
g2.kill()
print('second kill returned', g2.dead, g2.successful())
