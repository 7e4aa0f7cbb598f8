# from: seeds 001, 002 and 004 (Group add/join, Group.map, imap, imap_unordered, Pool(2).map).
# Shortened: intensive() sleeps 0.6 - n/5 s instead of 3 - n s.
import gevent
from gevent.pool import Group, Pool
def talk(msg):
    for i in range(3):
        print(msg)
g1 = gevent.spawn(talk, 'bar'); g2 = gevent.spawn(talk, 'foo'); g3 = gevent.spawn(talk, 'fizz')
group = Group(); group.add(g1); group.add(g2); group.join(); group.add(g3); group.join()
group = Group()
def hello_from(n):
    print('Size of group', len(group))
    return n
print(group.map(hello_from, range(3)))
def intensive(n):
    gevent.sleep(0.6 - n/5)
    return 'task', n
print('Ordered')
for i in Group().imap(intensive, range(3)): print(i)
print('Unordered')
for i in Group().imap_unordered(intensive, range(3)): print(i)
pool = Pool(2)
def hello2(n):
    print('Size of pool', len(pool))
pool.map(hello2, range(3))
