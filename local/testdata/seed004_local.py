# Seed 004, as its text has it. Kept here, not in conformance/testdata: its
# gevent.spawn(f1).spawn(f2) and wording differ from seed 000's program
# (the pair seed_local), and ExampleLocal_Value prints this one.
import gevent
from gevent.local import local
data = local()
def f1():
    data.x = 'f1'
    print(data.x)
def f2():
    try:
        print(data.x)
    except:
        print('f2 has not data.x')
gevent.joinall([gevent.spawn(f1).spawn(f2)])
