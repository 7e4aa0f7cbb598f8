import gevent
from gevent import getcurrent
from gevent.pool import Group
ids = {}
def gid():
    return ids.setdefault(getcurrent(), len(ids) + 1)
group = Group()
def hello_from(n):
    print('Size of group', len(group))
    print('Hello from Greenlet %s' % gid())
group.map(hello_from, range(3))
def intensive(n):
    gevent.sleep(0.03 - n/100)
    return 'task', n
print('Ordered')
ogroup = Group()
for i in ogroup.imap(intensive, range(3)):
    print(i)
print('Unordered')
igroup = Group()
for i in igroup.imap_unordered(intensive, range(3)):
    print(i)
