module github.com/gevent-go/gevent

go 1.26.0

require golang.org/x/sys v0.49.0 // indirect
