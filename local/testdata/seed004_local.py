import gevent
from gevent.local import local
data = local()
def f1():
    data.x = 'f1'
    print(data.x)
def f2():
    try:
        print(data.x)
    except:
        print('f2 has not data.x')
gevent.joinall([gevent.spawn(f1).spawn(f2)])
