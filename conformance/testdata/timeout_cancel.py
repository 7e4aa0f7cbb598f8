# from: gevent src/gevent/tests/test__timeout.py Test.test_cancel (a cancelled timeout never fires)
import gevent

timeout = gevent.Timeout(0.01)
timeout.start()
print(timeout.pending)
timeout.cancel()
print(timeout.pending)
gevent.sleep(0.02)
print(timeout.pending)
print('not raised')
timeout.close()
