# from: seed 001 (timeouts on join, get and with_timeout). Shortened: 1 s -> 10 ms, 2 s -> 20 ms.
import gevent
from gevent import Timeout

def wait():
    gevent.sleep(0.02)

timer = Timeout(0.01).start()
thread1 = gevent.spawn(wait)
try:
    thread1.join(timeout=timer)
except Timeout:
    print('Thread 1 timed out')

# --
timer = Timeout.start_new(0.01)
thread2 = gevent.spawn(wait)
try:
    thread2.get(timeout=timer)
except Timeout:
    print('Thread 2 timed out')

# --
try:
    gevent.with_timeout(0.01, wait)
except Timeout:
    print('Thread 3 timed out')
