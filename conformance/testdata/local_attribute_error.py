# from: gevent src/gevent/tests/test__local.py TestGeventLocal.test_attribute_error (a value set
# in another greenlet is not seen by the main one) and test_objects (two locals are independent)
import gevent
from gevent.local import local

a = local()
try:
    a.fizz_buzz
except AttributeError:
    print('AttributeError')

def set_fizz_buzz():
    a.fizz_buzz = 1
    print('set in greenlet', a.fizz_buzz)

g = gevent.spawn(set_fizz_buzz)
g.join()
try:
    a.fizz_buzz
except AttributeError:
    print('AttributeError again')

b = local()
a.path = '123'
b.path = '123'
print(a.path == b.path)
b.path = '321'
print(a.path == b.path, a.path, b.path)
del a.path
try:
    a.path
except AttributeError:
    print('deleted')
