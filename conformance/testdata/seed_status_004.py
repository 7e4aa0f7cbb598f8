# from: seed 004 (greenlet state with labels, then loser.get() raising). stderr: one failure report.
import gevent

def win():
    return 'You Win'

def fail():
    raise Exception('You Fail')

winner = gevent.spawn(win)
loser = gevent.spawn(fail)

print('winner.started =', winner.started)
print('loser.started =', loser.started)

try:
    gevent.joinall([
        winner,
        loser
    ])
except Exception as e:
    print(e.args)

print('winner.ready() =', winner.ready())
print('loser.ready() =', loser.ready())

print('winner.value =', winner.value)
print('loser.value =', loser.value)

print('winner.successful() =', winner.successful())
print('loser.successful() =', loser.successful())

print('loser.exception =', loser.exception)

try:
    print(loser.get())
except:
    print('exception from loser')
