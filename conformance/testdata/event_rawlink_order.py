# from: gevent src/gevent/_abstract_linkable.py (_links, _notify_links, final_link, arrived_while_waiting):
# raw links and waiting greenlets share one list and are notified in the order they were added;
# a link added during a notification runs in the next one; a greenlet that waits on a ready
# object while its notification is pending is woken after that notification's links. The main
# greenlet sleeps 0.2 s while T's 1 ms wait times out (a margin for a loaded machine).
import gevent
from gevent.event import Event, AsyncResult

def run(obj, fire):
    def link(name, then=None):
        def f(src):
            print('link', name)
            if then:
                then()
        return f

    def waiter(name, timeout=None):
        print('wait', name)
        obj.wait(timeout)
        print('woke', name)

    def late():
        print('wait late (ready, notification pending)')
        obj.wait()
        print('woke late')

    obj.rawlink(link('L1'))
    gs = [gevent.spawn(waiter, 'A')]
    gevent.sleep(0)
    obj.rawlink(link('L2', then=lambda: obj.rawlink(link('L5 (added by L2)'))))
    gs.append(gevent.spawn(waiter, 'T', 0.001))
    gevent.sleep(0.2)
    gs.append(gevent.spawn(waiter, 'B'))
    gevent.sleep(0)
    obj.rawlink(link('L3'))
    print('fire')
    fire()
    gs.append(gevent.spawn(late))
    obj.rawlink(link('L4 (after fire)'))
    gevent.joinall(gs)
    print('joined')
    obj.rawlink(link('L6 (on a ready object)'))
    print('L6 added')
    gevent.sleep(0)
    print('done')

print('-- Event')
e = Event()
run(e, e.set)
print('-- AsyncResult')
a = AsyncResult()
run(a, lambda: a.set(1))
