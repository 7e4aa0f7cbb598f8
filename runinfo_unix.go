package gevent

import "syscall"

// quitSignal is NotifyRunInfo's default signal.
const quitSignal = syscall.SIGQUIT
