# from: seeds 000 and 001 (`with Timeout(1, TooLong)`), with the exception caught and printed.
# Shortened: 1 s -> 10 ms.
import gevent
from gevent import Timeout

class TooLong(Exception):
    pass

print('start')
try:
    with Timeout(0.01, TooLong):
        gevent.sleep(10)
except TooLong:
    print('TooLong raised')
