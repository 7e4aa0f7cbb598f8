# from: gevent src/gevent/tests/test__greenlet.py TestKillAfterStart (kill and killall, blocking or
# not, with GreenletExit or an Exception instance; killing twice does not hurt; links fire once).
# SMALLEST_RELIABLE_DELAY and LARGE_TICK -> 1 ms and 50 ms. stderr: a failure report per
# Exception kill.
import gevent

MODE = 'after_start'

def run_in_greenlet(result):
    if MODE == 'while_running':
        gevent.sleep(10)
    result.append(1)

def state(g):
    return (bool(g), g.dead, g.started, g.ready(), g.successful(), g.exception is None)

for block in (True, False):
    for killall in (False, True):
        for exc in ('GreenletExit', 'Exception'):
            link_test = []
            result = []
            g = gevent.Greenlet(run_in_greenlet, result)
            g.link(lambda x: link_test.append(x is g))
            if MODE == 'after_start':
                g.start()
            elif MODE == 'after_start_later':
                g.start_later(0.05)
            elif MODE == 'while_running':
                g.start()
                gevent.sleep(0.001)
            e = gevent.GreenletExit if exc == 'GreenletExit' else Exception('killed')
            def killer():
                if killall:
                    gevent.killall([g], exception=e, block=block)
                else:
                    g.kill(exception=e, block=block)
            killer()
            if not block:
                gevent.sleep(0.001)
            s1 = state(g)
            gevent.sleep(0.01)
            s2 = state(g)
            killer()
            gevent.sleep(0.01)
            s3 = state(g)
            print(block, killall, exc, s1, s1 == s2 == s3, result, link_test)
