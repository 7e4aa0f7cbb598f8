# from: seed 000 (`with Timeout(1): gevent.sleep(10)`, uncaught). Shortened: 1 s -> 10 ms.
# The program ends with the uncaught timeout: compared are the empty stdout and the failing exit status.
import gevent
from gevent import Timeout

with Timeout(0.01):
    gevent.sleep(10)
print('not reached')
