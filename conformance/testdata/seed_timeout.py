# from: seed 000 (a Timeout started on the main greenlet interrupts join). Shortened: 2 s -> 20 ms.
# The traceback it prints goes to stderr (not compared).
import gevent
import traceback
from gevent import Timeout

timeout = Timeout(0.02)
timeout.start()

def wait():
    gevent.sleep(10)

try:
    gevent.spawn(wait).join()
except Timeout:
    traceback.print_exc()
    print('Could not complete')
