package socket_test

import (
	"crypto/tls"

	"github.com/gevent-go/gevent/internal/testcert"
)

// testTLSConfig returns a config with a self-signed certificate for
// localhost; its RootCAs trust it.
func testTLSConfig() *tls.Config { return testcert.Config() }
