# from: seed 001 (Actor: a Greenlet subclass with a Queue inbox; Pinger and Ponger). The seed runs
# forever: here each actor stops after three messages, in both programs.
import gevent
from gevent.queue import Queue
from gevent import Greenlet

class Actor(gevent.Greenlet):
    def __init__(self):
        self.inbox = Queue()
        self.count = 0
        Greenlet.__init__(self)

    def receive(self, message):
        raise NotImplementedError()

    def _run(self):
        self.running = True
        while self.running:
            message = self.inbox.get()
            self.receive(message)
            self.count += 1
            if self.count == 3:
                self.running = False

class Pinger(Actor):
    def receive(self, message):
        print(message)
        pong.inbox.put('ping')
        gevent.sleep(0)

class Ponger(Actor):
    def receive(self, message):
        print(message)
        ping.inbox.put('pong')
        gevent.sleep(0)

ping = Pinger()
pong = Ponger()
ping.start()
pong.start()
ping.inbox.put('start')
gevent.joinall([ping, pong])
print(len(ping.inbox), len(pong.inbox))
