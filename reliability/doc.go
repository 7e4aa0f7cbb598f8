// Package reliability is the library's reliability suite: kill storms,
// model-based randomized tests of the queues, semaphores and pools under
// random timeouts and kills, deep timeout nests, fault injection against
// server.StreamServer and server.DatagramServer on loopback, resource
// baselines (goroutines, file descriptors, heap) before and after every
// check, and regression checks for the defects of issue 11.
//
// It has no API: its checks are Go tests in this directory.
//
//   - `go test ./reliability/` (part of `make test`) runs a small, fast slice:
//     every check with reduced counts (the regression checks of issue 11
//     included).
//   - `make reliability` (go run ./reliability/cmd/reliability) runs the whole
//     suite with full counts, each check in a process of its own with a
//     deadline, the model checks again under the race detector, and the
//     fuzz targets of the DNS and HTTP parsers for a bounded time; it writes
//     the figures to docs/RELIABILITY.md.
//
// With GEVENT_RELIABILITY=1 the tests use full counts; with
// GEVENT_RELIABILITY_OUT=file each check appends its record (one JSON object
// a line) to file.
package reliability
