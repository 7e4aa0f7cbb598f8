# from: gevent src/gevent/timeout.py (Timeout.start arms a timer whose callback throws into the greenlet): two nested timeouts that expire while their greenlet runs CPU work between sleep(0) calls are both delivered, the inner one first; one cancelled after it fired is not. In a spawned greenlet and in the main one.
import time

import gevent
from gevent import Timeout


def burn(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def both_delivered():
    outer = Timeout(0.03)
    outer.start()
    try:
        inner = Timeout(0.01)
        inner.start()
        try:
            burn(0.06)
            print('expired while running; pending:', inner.pending, outer.pending)
            while True:
                gevent.sleep(0)
        except Timeout as t:
            print('inner delivered:', t is inner)
        finally:
            inner.cancel()
        print('outer pending after the inner one:', outer.pending)
        gevent.sleep(0.5)
        print('outer lost')
    except Timeout as t:
        print('outer delivered:', t is outer)
    finally:
        outer.cancel()
    print('outer pending at the end:', outer.pending)


def cancelled_not_delivered():
    outer = Timeout(0.03)
    outer.start()
    inner = Timeout(0.01)
    inner.start()
    burn(0.06)
    try:
        while True:
            gevent.sleep(0)
    except Timeout as t:
        print('inner delivered:', t is inner)
    outer.cancel()
    print('outer pending after cancel:', outer.pending)
    gevent.sleep(0.02)
    print('slept without a timeout')


g = gevent.spawn(both_delivered)
g.join()
both_delivered()
gevent.spawn(cancelled_not_delivered).join()
cancelled_not_delivered()
