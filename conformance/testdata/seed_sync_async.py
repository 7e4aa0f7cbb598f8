# from: seed 001 (synchronous vs asynchronous task). random.randint(0,2)*0.001 replaced by a fixed
# draw of distinct delays (0.45, 0, 0.3, 0.15, 0 s) in both programs, so the output is checkable
# (0.15 s apart: a margin for a loaded machine).
import gevent

delays = [0.45, 0, 0.3, 0.15, 0]

def task(pid):
    gevent.sleep(delays[pid])
    print('Task %s done' % pid)

def synchronous():
    for i in range(5):
        task(i)

def asynchronous():
    threads = [gevent.spawn(task, i) for i in range(5)]
    gevent.joinall(threads)

print('Synchronous:')
synchronous()
print('Asynchronous:')
asynchronous()
