package gevent_test

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var updateAPI = flag.Bool("update-api", false, "rewrite testdata/api.txt from the source")

// TestPublicAPI guards the exported surface of every package of the module
// (internal, examples, bench, conformance and nested modules excluded): a change to it must
// be deliberate (go test -run TestPublicAPI -update-api), as trio's
// test_exports.py guards trio's.
func TestPublicAPI(t *testing.T) {
	dirs := []string{"."}
	ents, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		switch n := e.Name(); {
		case !e.IsDir(), strings.HasPrefix(n, "."),
			n == "internal", n == "examples", n == "bench", n == "conformance", n == "testdata", n == "docs", n == "scripts":
		default:
			if _, err := os.Stat(filepath.Join(n, "go.mod")); err == nil {
				continue // a module of its own (zmq): not this module's API
			}
			dirs = append(dirs, n)
		}
	}
	var names []string
	for _, d := range dirs {
		names = append(names, exported(t, d)...)
	}
	sort.Strings(names)
	got := strings.Join(names, "\n") + "\n"
	if *updateAPI {
		if err := os.WriteFile("testdata/api.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/api.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("the public API changed; if deliberate, run go test -run TestPublicAPI -update-api\n got:\n%s", got)
	}
}

// exported lists the exported names declared in the non-test Go files of
// dir, as "pkg: func Type.Method".
func exported(t *testing.T, dir string) []string {
	pkg := "gevent"
	if dir != "." {
		pkg = dir
	}
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var names []string
	add := func(s string) { names = append(names, pkg+": "+s) }
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				name := d.Name.Name
				if d.Recv != nil {
					recv := d.Recv.List[0].Type
					if s, ok := recv.(*ast.StarExpr); ok {
						recv = s.X
					}
					switch r := recv.(type) {
					case *ast.Ident:
						name = r.Name + "." + name
					case *ast.IndexExpr:
						name = r.X.(*ast.Ident).Name + "." + name
					case *ast.IndexListExpr:
						name = r.X.(*ast.Ident).Name + "." + name
					}
					if !ast.IsExported(strings.SplitN(name, ".", 2)[0]) {
						continue
					}
				}
				add("func " + name)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							add("type " + s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								add(d.Tok.String() + " " + n.Name)
							}
						}
					}
				}
			}
		}
	}
	return names
}
