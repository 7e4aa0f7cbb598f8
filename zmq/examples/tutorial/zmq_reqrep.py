# gevent-tutorial, "Gevent ZeroMQ" (seed 001 lists it first among real applications), from
# /work/shared/anchors/tutorial_apps/zmq_reqrep.py; the port comes from $ZMQ_PORT (default 5000)
# so that test runs do not collide. Run: /usr/bin/python3 zmq_reqrep.py
import os
import gevent
import zmq.green as zmq

context = zmq.Context()

def server():
    server_socket = context.socket(zmq.REQ)
    server_socket.bind("tcp://127.0.0.1:%s" % os.environ.get("ZMQ_PORT", "5000"))
    for request in range(1, 10):
        server_socket.send(b"Hello")
        print('Switched to Server for %s' % request)
        # Implicit context switch occurs here
        server_socket.recv()

def client():
    client_socket = context.socket(zmq.REP)
    client_socket.connect("tcp://127.0.0.1:%s" % os.environ.get("ZMQ_PORT", "5000"))
    for request in range(1, 10):
        client_socket.recv()
        print('Switched to Client for %s' % request)
        # Implicit context switch occurs here
        client_socket.send(b"World")

publisher = gevent.spawn(server)
client = gevent.spawn(client)
gevent.joinall([publisher, client])
