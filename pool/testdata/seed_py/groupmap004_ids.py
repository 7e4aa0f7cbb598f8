from gevent import getcurrent
from gevent.pool import Group
ids = {}
def gid():
    return ids.setdefault(getcurrent(), len(ids) + 1)
group = Group()
def hello_from(n):
    print('Size of group %s' % len(group))
    print('Hello from Greenlet %s' % gid())
    return n
x = group.map(hello_from, range(3))
print(type(x))
print(x)
