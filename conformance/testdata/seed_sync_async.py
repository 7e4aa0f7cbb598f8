# from: seed 001 (synchronous vs asynchronous task). random.randint(0,2)*0.001 replaced by a fixed
# draw of distinct delays (30, 0, 20, 10, 0 ms) in both programs, so the output is checkable.
import gevent

delays = [0.03, 0, 0.02, 0.01, 0]

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
