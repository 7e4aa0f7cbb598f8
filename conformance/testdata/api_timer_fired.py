# from: gevent src/gevent/tests/test__api.py TestTimers.test_timer_fired (spawn_later inside a
# greenlet). The last sleep 0.1 s -> 0.5 s (margin for a loaded machine).
import gevent

lst = [1]

def func():
    gevent.spawn_later(0.01, lst.pop)
    gevent.sleep(0.02)

gevent.spawn(func)
print(lst)
gevent.sleep()
print(lst)
gevent.sleep(0.5)
print(lst)
