// Package conformance holds differential tests against real gevent: pairs
// of programs, a Python original under testdata/ (run with /usr/bin/python3
// and gevent 22.10) and its Go port, registered by name in the _test.go
// files (the seed programs' ports are in internal/seeds, shared with
// examples/tour). TestConformance runs both sides of every pair and compares their
// standard output exactly, after the normalisation described in README.md.
//
// Run it with `go test ./conformance/`; one pair with
// `go test ./conformance/ -run 'TestConformance/seed_basic$' -v`.
package conformance
