# The two commands of the README: `go run ./examples/tour` and `make test`.
GO ?= go

.PHONY: test deps unit race bench-smoke bench reliability fmt vet

test: deps unit race bench-smoke

deps:
	./scripts/deps.sh

# The zmq/ directory is a Go module of its own (cgo over libzmq), which
# ./... does not reach: its tests run from inside it.
unit:
	$(GO) test -count=1 -timeout 15m ./...
	cd zmq && $(GO) test -count=1 -timeout 15m ./...

# The race detector over the packages where goroutines meet the hub.
race:
	$(GO) test -count=1 -race -timeout 15m $$($(GO) list ./... | grep -v -e /conformance -e /examples -e /bench)
	cd zmq && $(GO) test -count=1 -race -timeout 15m ./...

bench-smoke:
	@if [ -d bench ]; then $(GO) run ./bench -smoke && $(GO) run ./bench -smoke -scale; fi

bench:
	$(GO) run ./bench

# The reliability suite (a few minutes, not part of test): kill storms, model
# checks, fault injection, fuzzing; figures written to docs/RELIABILITY.md.
reliability:
	$(GO) run ./reliability/cmd/reliability

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi

# zmq/ needs libzmq's headers (cgo): deps installs them first.
vet: deps
	$(GO) vet ./...
	cd zmq && $(GO) vet ./...
