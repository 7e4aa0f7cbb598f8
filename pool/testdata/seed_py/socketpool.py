import os, gevent
from gevent.pool import Pool
from gevent.fileobject import FileObjectPosix
class SocketPool(object):
    def __init__(self, size=10):
        self.pool = Pool(size)
    def listen(self, name, socket):
        while True:
            line = socket.readline()
            if not line:
                print(name, 'closed')
                return
            print(name, 'got', line.decode().strip())
    def add_handler(self, name, socket):
        if self.pool.full():
            raise Exception("At maximum pool size")
        else:
            self.pool.spawn(self.listen, name, socket)
    def shutdown(self):
        self.pool.kill()
sp = SocketPool(2)
ws = []
for name in ['a', 'b', 'c']:
    r, w = os.pipe()
    try:
        sp.add_handler(name, FileObjectPosix(r, 'rb'))
        ws.append(w)
    except Exception as e:
        print(name, 'refused:', e)
for i, w in enumerate(ws):
    os.write(w, b'hello %d\n' % i)
gevent.sleep(0.01)
os.close(ws[0])
gevent.sleep(0.01)
print('pool size', len(sp.pool), 'full', sp.pool.full())
sp.shutdown()
print('after shutdown', len(sp.pool))
