# from: seed 001 (timeouts on join, get and with_timeout). Shortened: 1 s -> 50 ms, 2 s -> 0.5 s
# (a margin for a loaded machine).
import gevent
from gevent import Timeout

def wait():
    gevent.sleep(0.5)

timer = Timeout(0.05).start()
thread1 = gevent.spawn(wait)
try:
    thread1.join(timeout=timer)
except Timeout:
    print('Thread 1 timed out')

# --
timer = Timeout.start_new(0.05)
thread2 = gevent.spawn(wait)
try:
    thread2.get(timeout=timer)
except Timeout:
    print('Thread 2 timed out')

# --
try:
    gevent.with_timeout(0.05, wait)
except Timeout:
    print('Thread 3 timed out')
