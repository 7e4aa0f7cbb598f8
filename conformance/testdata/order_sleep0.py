# from: gevent src/gevent/tests/test__order.py TestSleep0.test (gevent.wait() with no argument is
# gevent.WaitAll() in the Go port)
import gevent

def sleep0(lst, param):
    lst.append(param + 'A')
    gevent.sleep(0)
    lst.append(param + 'B')

lst = []
gevent.spawn(sleep0, lst, '1')
gevent.spawn(sleep0, lst, '2')
gevent.wait()
print(' '.join(lst))
