import gevent
from gevent.pool import Pool, Group
def work(n):
    print('start', n)
    gevent.sleep(0)
    print('end', n)
    return n
p = Pool(2)
for r in p.imap_unordered(work, range(5)):
    print('got', r)
print('--')
for r in p.imap(work, [2, 1, 0]):
    print('got', r)
print('--')
g = Group()
print(g.map(work, range(3)))
print('--')
a = p.apply_async(work, (7,))
b = p.apply_async(work, (8,))
c = p.apply_async(work, (9,))
print('full', p.full(), len(p))
gevent.joinall([a, b, c])
print('--')
p.spawn(work, 10)
p.spawn(work, 11)
p.kill()
print('killed', len(p))
