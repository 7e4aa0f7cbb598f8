# from: seeds 001 and 002 (gevent.subprocess: a cron greenlet keeps printing while a child runs).
# The seed runs `sleep 1; uname` and prints 5 crons (gevent 22.10: 6), a count on a timing edge;
# `sleep 2.5` with a cron every second gives 3 with a margin of 0.5 s on both sides (a loaded
# machine delays the child's start and the cron's sleeps by up to a few hundred milliseconds).
import gevent
from gevent.subprocess import Popen, PIPE
def cron():
    while True:
        print("cron")
        gevent.sleep(1)
g = gevent.spawn(cron)
sub = Popen(['sleep 2.5; uname'], stdout=PIPE, shell=True)
out, err = sub.communicate()
g.kill()
print(out.rstrip().decode())
