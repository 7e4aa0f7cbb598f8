# from: seeds 001 and 002 (gevent.subprocess: a cron greenlet keeps printing while a child runs).
# The seed runs `sleep 1; uname` and prints 5 crons (gevent 22.10: 6), a count on a timing edge;
# `sleep 0.5` gives 3 with a margin of 0.1 s on both sides.
import gevent
from gevent.subprocess import Popen, PIPE
def cron():
    while True:
        print("cron")
        gevent.sleep(0.2)
g = gevent.spawn(cron)
sub = Popen(['sleep 0.5; uname'], stdout=PIPE, shell=True)
out, err = sub.communicate()
g.kill()
print(out.rstrip().decode())
