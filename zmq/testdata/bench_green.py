# zmq.green under gevent 22.10 (Debian python3-gevent + python3-zmq): the
# workloads of zmq/bench_test.go, two greenlets of one hub.
# Run: /usr/bin/python3 testdata/bench_green.py
import time
import gevent
import zmq.green as zmq

ctx = zmq.Context()
MSG = b"0123456789abcdef"


def endpoints(name):
    return [("inproc", "inproc://" + name), ("tcp", "tcp://127.0.0.1:*")]


def reqrep(bind, n):
    rep = ctx.socket(zmq.REP)
    rep.bind(bind)
    req = ctx.socket(zmq.REQ)
    req.connect(rep.getsockopt(zmq.LAST_ENDPOINT).decode())

    def server():
        for _ in range(n):
            rep.send(rep.recv())

    g = gevent.spawn(server)
    t = time.perf_counter()
    for _ in range(n):
        req.send(MSG)
        req.recv()
    dt = time.perf_counter() - t
    g.join()
    req.close(0)
    rep.close(0)
    return dt / n


def pushpull(bind, n):
    pull = ctx.socket(zmq.PULL)
    pull.bind(bind)
    push = ctx.socket(zmq.PUSH)
    push.connect(pull.getsockopt(zmq.LAST_ENDPOINT).decode())

    def sender():
        for _ in range(n):
            push.send(MSG)

    t = time.perf_counter()
    g = gevent.spawn(sender)
    for _ in range(n):
        pull.recv()
    dt = time.perf_counter() - t
    g.join()
    push.close(0)
    pull.close(0)
    return dt / n


for name, fn, n in [("ReqRep", reqrep, 20000), ("PushPull", pushpull, 200000)]:
    for kind, bind in endpoints(name):
        print("zmq.green %s/%s\t%d\t%.0f ns/op" % (name, kind, n, fn(bind, n) * 1e9))
