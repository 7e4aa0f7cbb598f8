# from: gevent src/gevent/tests/test__sleep0.py (a silent Timeout interrupts a sleep(0) loop)
import gevent

n = 0
with gevent.Timeout(0.01, False):
    while True:
        gevent.sleep(0)
        n += 1
print('loop interrupted', n > 0)
