# from: gevent src/gevent/tests/test__queue.py TestQueue.test_multiple_waiters,
# test_waiters_that_cancel, test_senders_that_die (getters are served in order; one whose Timeout
# fired is skipped)
import gevent
from gevent import queue
from gevent.event import AsyncResult

q = queue.Queue()

def waiter(q, evt):
    evt.set(q.get())

sendings = ['1', '2', '3', '4']
evts = [AsyncResult() for x in sendings]
for i, _ in enumerate(sendings):
    gevent.spawn(waiter, q, evts[i])
gevent.sleep(0.01)

results = []

def collect_pending_results():
    for e in evts:
        with gevent.Timeout(0.001, False):
            x = e.get()
            if x not in results:
                results.append(x)
    return len(results)

q.put(sendings[0])
print(collect_pending_results())
q.put(sendings[1])
print(collect_pending_results())
q.put(sendings[2])
q.put(sendings[3])
print(collect_pending_results(), results)

def do_receive(q, evt):
    with gevent.Timeout(0, RuntimeError()):
        try:
            result = q.get()
            evt.set(result)
        except RuntimeError:
            evt.set('timed out')

evt = AsyncResult()
gevent.spawn(do_receive, q, evt)
print(evt.get())
q.put('hi')
print(q.get())

gevent.spawn(lambda: q.put('sent'))
print(q.get())
