package httpclient_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/internal/blocktest"
)

// RoundTrip and Body.Read keep the blocking contract of every cooperative
// call: a kill ends them with the kill error, an outer Timeout scope with
// the *Timeout itself, and from a hub callback they refuse to block.
func TestBlockingContract(t *testing.T) {
	srv := stallServer(t)
	blocktest.Check(t, blocktest.Op{
		Name: "RoundTrip",
		Setup: func() blocktest.Op {
			tr := httpclient.NewTransport()
			return blocktest.Op{Block: func() error {
				req, _ := http.NewRequest("GET", srv.URL+"/headers", nil)
				resp, err := tr.RoundTrip(req)
				if err == nil {
					resp.Body.Close()
				}
				return err
			}}
		},
	})
	blocktest.Check(t, blocktest.Op{
		Name: "Body.Read",
		Setup: func() blocktest.Op {
			tr := httpclient.NewTransport()
			req, _ := http.NewRequest("GET", srv.URL+"/body", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			return blocktest.Op{Block: func() error {
				_, err := io.ReadAll(resp.Body)
				return err
			}}
		},
	})
}
