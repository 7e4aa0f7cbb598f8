# from: seeds 001 and 003 (Greenlet.spawn, gevent.spawn, a lambda). Shortened: 1 s -> 0.1 s, 2 s -> 0.4 s.
import gevent
from gevent import Greenlet

def foo(message, n):
    gevent.sleep(n)
    print(message)

thread1 = Greenlet.spawn(foo, "Hello", 0.1)
thread2 = gevent.spawn(foo, "I live!", 0.4)
thread3 = gevent.spawn(lambda x: (x+1), 2)
threads = [thread1, thread2, thread3]
gevent.joinall(threads)
print(thread3.value)
