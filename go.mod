module github.com/gevent-go/gevent

go 1.26.0

require (
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.24.0
	golang.org/x/sys v0.49.0 // indirect
)
