package fileobject_test

import (
	"fmt"
	"io"
	"os"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/fileobject"
	"github.com/gevent-go/gevent/subprocess"
)

// A child process writes to a pipe passed as its descriptor 3; the parent
// reads it cooperatively while another greenlet runs.
func Example() {
	gevent.Run(func() error {
		pr, pw, err := os.Pipe()
		if err != nil {
			return err
		}
		p, err := subprocess.Start([]string{"sh", "-c", "sleep 0.05; echo hello from the child >&3"},
			subprocess.Options{ExtraFiles: []*os.File{pw}})
		if err != nil {
			return err
		}
		pw.Close() // the child has its copy
		r, err := fileobject.New(pr)
		if err != nil {
			return err
		}
		defer r.Close()
		gevent.Go(func() { fmt.Println("other greenlet runs") })
		data, err := io.ReadAll(r)
		fmt.Printf("%s%v\n", data, err)
		_, err = p.Wait()
		return err
	})
	// Output:
	// other greenlet runs
	// hello from the child
	// <nil>
}
