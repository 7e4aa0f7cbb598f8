# from: gevent src/gevent/tests/test__api.py TestTimers.test_spawn_is_not_cancelled (a greenlet
# spawned by one that exits at once still runs)
import gevent

lst = [1]

def func():
    gevent.spawn(lst.pop)

gevent.spawn(func)
gevent.sleep(0.1)
print(lst)
