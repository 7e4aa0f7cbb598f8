package httpclient_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/pool"
)

// Fetch several URLs at once, at most 10 requests in flight, as seed 000's
// "open three websites" does under gevent's monkey patching.
func Example_fetchMany() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "page %s", r.URL.Path)
	}))
	defer srv.Close()
	urls := []string{srv.URL + "/baidu", srv.URL + "/gevent", srv.URL + "/python"}

	gevent.Run(func() error {
		client := httpclient.NewClient()
		p := pool.MustPool(10)
		fetch := func(u string) (string, error) {
			resp, err := client.Get(u)
			if err != nil {
				return "", err // a kill, a Timeout scope, the network...
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return string(b), err
		}
		var pages []string
		for page, err := range pool.IMapUnordered(p, fetch, slices.Values(urls)) {
			if err != nil {
				fmt.Println("error:", err)
				continue
			}
			pages = append(pages, page)
		}
		sort.Strings(pages) // they arrive in the order they finish
		fmt.Println(pages)
		return nil
	})
	// Output: [page /baidu page /gevent page /python]
}
