# The gevent side of `go run ./bench`: the same workloads as the Go side
# (after /work/shared/anchors/gevent_micro.py), each run with an adaptive
# count until it lasts the target time. Modes:
#   micro TARGET_SECONDS   -> one JSON object {workload: ns per op, ...}
#   mem N                  -> bytes of RSS per idle greenlet (N blocked in sleep)
#   echo PORT              -> a StreamServer echo server (gevent_echo.py)
#   wsgi PORT              -> a pywsgi hello world (gevent_wsgi.py)
#   fetch URL WORKERS SECS -> requests under monkey patching: WORKERS greenlets,
#                             a Session each (keep-alive), fetching URL for SECS
#   inflight URL N         -> N requests.get in flight at once against the hold
#                             server (URL/hold, URL/arrived, URL/release)
#   ws PORT                -> gevent-websocket's WebSocketHandler under pywsgi:
#                             /echo, /hub, /count, /broadcast (bench/websocket.go)
import sys

if len(sys.argv) > 1 and sys.argv[1] in ('fetch', 'inflight'):
    from gevent import monkey
    monkey.patch_all()

import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

import gevent
from gevent.event import Event
from gevent.pool import Pool
from gevent.queue import Channel, Queue


def sleep0(n):
    def w():
        for _ in range(n // 2):
            gevent.sleep(0)
    gevent.joinall([gevent.spawn(w), gevent.spawn(w)])


def spawnjoin(n):
    for _ in range(n):
        gevent.spawn(lambda: 1).join()


def spawnmany(n):
    gs = [gevent.spawn(lambda: 1) for _ in range(n)]
    gevent.joinall(gs)


def queue_pp(n):
    q = Queue()
    r = Queue()

    def a():
        for i in range(n):
            q.put(i)
            r.get()

    def b():
        for _ in range(n):
            r.put(q.get())
    gevent.joinall([gevent.spawn(a), gevent.spawn(b)])


def chan(n):
    c = Channel()

    def a():
        for i in range(n):
            c.put(i)

    def b():
        for _ in range(n):
            c.get()
    gevent.joinall([gevent.spawn(a), gevent.spawn(b)])


FANOUT = 100


def fanout(n):
    for _ in range(max(1, n // FANOUT)):
        e = Event()
        gs = [gevent.spawn(e.wait) for _ in range(FANOUT)]
        gevent.sleep(0)
        e.set()
        gevent.joinall(gs)


def pool_imap(n):
    p = Pool(100)
    for _ in p.imap_unordered(lambda x: x, range(n)):
        pass


def timer_cancel(n):
    for _ in range(n):
        t = gevent.Timeout.start_new(1)
        t.cancel()


def timer_fire(n):
    gs = [gevent.spawn(gevent.sleep, 0.001) for _ in range(n)]
    gevent.joinall(gs)


WORKLOADS = [
    ('switch', sleep0),
    ('spawn_join', spawnjoin),
    ('spawn_many', spawnmany),
    ('queue_pingpong', queue_pp),
    ('channel_handoff', chan),
    ('event_fanout', fanout),
    ('pool_imap_unordered', pool_imap),
    ('timer_arm_cancel', timer_cancel),
    ('timer_fire', timer_fire),
]


def measure(fn, target):
    n = 100
    while True:
        t = time.perf_counter()
        fn(n)
        dt = time.perf_counter() - t
        if dt >= target or n >= 10_000_000:
            return dt / n * 1e9
        n = int(min(n * 100, max(n * 2, n * target / max(dt, 1e-9) * 1.2)))


def rss():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def cpu():
    t = os.times()
    return t.user + t.system


def fetch(url, workers, secs):
    import requests
    requests.get(url).content
    done = [0]
    deadline = time.time() + secs

    def w():
        with requests.Session() as s:
            while time.time() < deadline:
                r = s.get(url)
                r.content
                if r.status_code != 200:
                    raise RuntimeError(r.status_code)
                done[0] += 1
    c0, t0 = cpu(), time.perf_counter()
    gs = [gevent.spawn(w) for _ in range(workers)]
    gevent.joinall(gs, raise_error=True)
    el, c = time.perf_counter() - t0, cpu() - c0
    print(json.dumps({'rate': done[0] / el, 'cpu_us': c / done[0] * 1e6}))


def inflight(base, n):
    import requests
    requests.get(base + 'arrived').content
    gevent.sleep(0)
    before = rss()

    def w():
        r = requests.get(base + 'hold')
        r.content
        if r.status_code != 200:
            raise RuntimeError(r.status_code)
    gs = [gevent.spawn(w) for _ in range(n)]
    deadline = time.time() + 60
    while int(requests.get(base + 'arrived').text) < n:
        if time.time() > deadline:
            sys.exit('not all requests arrived')
        gevent.sleep(0.02)
    after = rss()
    requests.get(base + 'release').content
    gevent.joinall(gs, raise_error=True)
    print(json.dumps({'mem_inflight': (after - before) / n}))


def ws_server(port):
    """The routes of bench/websocket.go's Go servers, on gevent-websocket."""
    import resource
    from gevent.pywsgi import WSGIServer
    from geventwebsocket.handler import WebSocketHandler

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 10,000 connections
    clients = set()

    def app(env, start):
        path = env['PATH_INFO']
        ws = env.get('wsgi.websocket')
        if ws is not None and path == '/echo':
            try:
                while True:
                    m = ws.receive()
                    if m is None:
                        break
                    ws.send(m)
            except Exception:
                pass
            return []
        if ws is not None and path == '/hub':
            clients.add(ws)
            try:
                while ws.receive() is not None:
                    pass
            except Exception:
                pass
            finally:
                clients.discard(ws)
            return []
        if path == '/count':
            body = str(len(clients))
        elif path == '/broadcast':
            msg = env.get('QUERY_STRING', '')
            n = 0
            for c in list(clients):
                try:
                    c.send(msg)
                    n += 1
                except Exception:
                    pass
            body = str(n)
        else:
            start('400 Bad Request', [('Content-Type', 'text/plain')])
            return [b'bad request']
        body = body.encode()
        start('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
        return [body]
    WSGIServer(('127.0.0.1', port), app, handler_class=WebSocketHandler,
               log=None, backlog=1024).serve_forever()


def main():
    mode = sys.argv[1]
    if mode == 'micro':
        target = float(sys.argv[2])
        only = set(sys.argv[3:])
        out = {'gevent': gevent.__version__, 'python': sys.version.split()[0]}
        for name, fn in WORKLOADS:
            if only and name not in only:
                continue
            out[name] = measure(fn, target)
        print(json.dumps(out))
    elif mode == 'mem':
        n = int(sys.argv[2])
        gevent.sleep(0)
        before = rss()
        gs = [gevent.spawn(gevent.sleep, 3600) for _ in range(n)]
        gevent.sleep(0)  # every greenlet runs and blocks in sleep
        after = rss()
        print(json.dumps({'mem_idle': (after - before) / n}))
        gevent.killall(gs)
    elif mode == 'echo':
        from gevent.server import StreamServer

        def handle(sock, addr):
            try:
                while True:
                    d = sock.recv(65536)
                    if not d:
                        break
                    sock.sendall(d)
            except ConnectionResetError:
                pass  # the scaling rows' clients reset (no TIME_WAIT)
        StreamServer(('127.0.0.1', int(sys.argv[2])), handle).serve_forever()
    elif mode == 'wsgi':
        from gevent.pywsgi import WSGIServer

        def app(env, start):
            start('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '13')])
            return [b'Hello, World!']
        WSGIServer(('127.0.0.1', int(sys.argv[2])), app, log=None).serve_forever()
    elif mode == 'ws':
        ws_server(int(sys.argv[2]))
    elif mode == 'fetch':
        fetch(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif mode == 'inflight':
        inflight(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit('unknown mode ' + mode)


if __name__ == '__main__':
    main()
