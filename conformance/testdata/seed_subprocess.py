# from: seeds 001 and 002 (gevent.subprocess: a cron greenlet keeps printing while a child runs).
# The seed runs `sleep 1; uname` and prints 5 crons (gevent 22.10: 6), a count on a timing edge;
# `sleep 1.25` with a cron every 0.5 s gives 3 with a margin of 0.25 s on both sides (a loaded
# machine delays the child's start and the cron's sleeps by tens of milliseconds).
import gevent
from gevent.subprocess import Popen, PIPE
def cron():
    while True:
        print("cron")
        gevent.sleep(0.5)
g = gevent.spawn(cron)
sub = Popen(['sleep 1.25; uname'], stdout=PIPE, shell=True)
out, err = sub.communicate()
g.kill()
print(out.rstrip().decode())
