# from: gevent src/gevent/tests/test__greenlet.py TestStuff.test_joinall_count_raise_error (count=1
# returns after the first finished greenlet). stderr: one failure report.
import gevent

class ExpectedError(Exception):
    pass

def raises_but_ignored():
    raise ExpectedError("count")

def sleep_forever():
    while True:
        gevent.sleep(0.1)

sleeper = gevent.spawn(sleep_forever)
raiser = gevent.spawn(raises_but_ignored)

done = gevent.joinall([sleeper, raiser], raise_error=False, count=1)
print(len(done), done[0] is raiser)
print(raiser.ready(), sleeper.ready())
sleeper.kill()
print(sleeper.ready(), sleeper.successful())
