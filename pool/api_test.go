package pool_test

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

// TestPublicAPI guards the exported surface of package pool: a change
// to it must be deliberate (go test -run TestPublicAPI -update-api).
func TestPublicAPI(t *testing.T) {
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	var names []string
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
				names = append(names, "func "+name)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, "type "+s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names = append(names, d.Tok.String()+" "+n.Name)
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(names)
	got := strings.Join(names, "\n") + "\n"
	if *updateAPI {
		os.WriteFile("testdata/api.txt", []byte(got), 0o644)
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
