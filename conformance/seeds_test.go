package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/seeds"
)

const ms = time.Millisecond

type G = *gevent.Greenlet[struct{}]

// The seed programs' Go ports are in internal/seeds, shared with the tour
// (examples/tour); here they run with the waits of their Python programs.
func init() {
	for _, p := range seeds.All() {
		register(p.Name, func() error { return p.Run(seeds.AsPython) })
	}
}

// TestSeedOrigins checks that each seed program names the tutorials it
// comes from as its Python program's first line does, and that a program
// marked Uncaught is one whose Go port fails (the pair compares the exit
// status, so the Python program fails too).
func TestSeedOrigins(t *testing.T) {
	for _, p := range seeds.All() {
		src, err := os.ReadFile(filepath.Join("testdata", p.Name+".py"))
		if err != nil {
			t.Errorf("seeds.%s: %v", p.Name, err)
			continue
		}
		head := origin(src)
		if rest, ok := strings.CutPrefix(head, p.Seeds); !ok || p.Seeds == "" || rest != "" && strings.ContainsAny(rest[:1], "0123456789") {
			t.Errorf("seeds.%s: Seeds is %q, but testdata/%s.py comes from: %.40s...", p.Name, p.Seeds, p.Name, head)
		}
	}
}
