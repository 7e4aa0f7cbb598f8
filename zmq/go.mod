module github.com/gevent-go/gevent/zmq

go 1.26.0

require (
	github.com/gevent-go/gevent v0.0.0
	github.com/pebbe/zmq4 v1.4.0
)

require golang.org/x/sys v0.49.0 // indirect

replace github.com/gevent-go/gevent => ../
