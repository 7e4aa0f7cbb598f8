# from: seed 001 (gevent.signal(SIGQUIT, shutdown) stops a long-running greenlet); the program
# sends itself the signals, 0.45 s apart (gevent handles two signals that arrive in one loop
# iteration SIGQUIT first). gevent.signal is gevent.signal_handler in gevent 22.10.
import gevent, signal, os
def handler():
    print("got SIGUSR1")
h = gevent.signal_handler(signal.SIGUSR1, handler)
def run_forever():
    gevent.sleep(1000)
thread = gevent.spawn(run_forever)
def shutdown():
    print("shutting down")
    thread.kill()
gevent.signal_handler(signal.SIGQUIT, shutdown)
gevent.spawn_later(0.05, os.kill, os.getpid(), signal.SIGUSR1)
gevent.spawn_later(0.5, os.kill, os.getpid(), signal.SIGQUIT)
thread.join()
print("dead:", thread.dead)
