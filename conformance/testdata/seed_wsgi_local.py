# from: seeds 001/002, the WSGI program with greenlet-local request state (gevent.wsgi's WSGIServer,
# local() holding the request, a LocalProxy reading it, "Hello " + request.remote_addr). werkzeug's
# Request and LocalProxy become the environ and a function; the path is added to the greeting and
# logic() sleeps, so two concurrent clients show that each request sees its own state.
from contextlib import contextmanager

import gevent
from gevent import socket
from gevent.local import local
from gevent.pywsgi import WSGIServer

_requests = local()


def request():
    return _requests.request


@contextmanager
def sessionmanager(environ):
    _requests.request = environ
    yield
    _requests.request = None


def logic():
    gevent.sleep(0.01)  # the other request runs meanwhile
    return "Hello " + request()['REMOTE_ADDR'] + " " + request()['PATH_INFO']


def application(environ, start_response):
    status = '200 OK'
    with sessionmanager(environ):
        body = logic()
    headers = [('Content-Type', 'text/html')]
    start_response(status, headers)
    return [body.encode()]


server = WSGIServer(('127.0.0.1', 0), application, log=None)
server.start()


def client(path):
    s = socket.create_connection(('127.0.0.1', server.server_port))
    s.sendall(('GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' % path).encode())
    data = b''
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b'\r\n\r\n')
    return head.split(b'\r\n')[0].decode() + ' | ' + body.decode()


jobs = [gevent.spawn(client, p) for p in ('/a', '/b')]
gevent.joinall(jobs)
for j in jobs:
    print(j.value)
server.stop()
