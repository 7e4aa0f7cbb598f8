package queue_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Channel.Put and Channel.Get are one call each into gevent.Rendezvous,
// whose Give and Take switch from their own frame; the compiler must
// inline Put and Get (and Give) into their callers, or every hand-off pays
// one more mispredicted return per side (about 10 ns here; see
// docs/BENCHMARKS.md, "Where the time goes"). The inliner's budget is 80
// and Put costs 79: this test says so when a change, or a new Go release,
// tips it over.
func TestChannelPutGetInlined(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	out, err := exec.Command(gobin, "test", "-c", "-o", os.DevNull, "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go test -c -gcflags=-m: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	for _, want := range []string{
		": can inline queue.(*Channel[go.shape.int]).Put",
		": can inline queue.(*Channel[go.shape.int]).Get",
		": inlining call to gevent.(*Rendezvous[go.shape.int]).Give",
	} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasSuffix(l, want) }) {
			t.Errorf("the compiler no longer reports %q", want)
		}
	}
}
