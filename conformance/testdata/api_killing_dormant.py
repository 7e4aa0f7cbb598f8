# from: gevent src/gevent/tests/test__api.py Test.test_killing_dormant (kill switches to the
# killed greenlet before returning). DELAY 0.1 s -> 0.2 s (margins for a loaded machine).
import gevent

DELAY = 0.2
state = []

def test():
    try:
        state.append('start')
        gevent.sleep(DELAY * 3.0)
    except:
        state.append('except')
    state.append('finished')

g = gevent.spawn(test)
gevent.sleep(DELAY / 2)
print(state)
g.kill()
print(state)
