package resolver

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// scriptConn is a net.Conn that replays a server's side: over UDP each
// Read returns the next datagram (cut to the reader's buffer, as UDP
// does), over TCP the stream, at most chunk bytes a Read. The ID of the
// query written to it is patched into the responses, so that scripted and
// fuzzed responses need not guess it. Past the script, Read fails as a
// deadline does.
type scriptConn struct {
	net.Conn // nil: the methods the client does not use
	udp      bool
	packets  [][]byte
	stream   []byte
	chunk    int
	id       [2]byte
	wrote    bool
}

func (c *scriptConn) Write(p []byte) (int, error) {
	off := 0
	if !c.udp {
		off = 2
	}
	if len(p) >= off+2 {
		copy(c.id[:], p[off:])
		c.wrote = true
	}
	return len(p), nil
}

func (c *scriptConn) Read(p []byte) (int, error) {
	if c.udp {
		if len(c.packets) == 0 {
			return 0, os.ErrDeadlineExceeded
		}
		pkt := append([]byte(nil), c.packets[0]...)
		c.packets = c.packets[1:]
		if c.wrote && len(pkt) >= 2 {
			copy(pkt, c.id[:])
		}
		return copy(p, pkt), nil
	}
	if c.wrote && len(c.stream) >= 4 {
		c.stream = append([]byte(nil), c.stream...)
		copy(c.stream[2:], c.id[:])
		c.wrote = false
	}
	if len(c.stream) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	n := min(len(p), len(c.stream), max(c.chunk, 1))
	copy(p, c.stream[:n])
	c.stream = c.stream[n:]
	return n, nil
}

func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) SetDeadline(t time.Time) error    { return nil }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.UDPAddr{} }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// scriptDNS returns a DNS client whose one server answers with packets
// over UDP and stream over TCP, and counts its dials in *dials.
func scriptDNS(packets [][]byte, stream []byte, chunk int, dials *int) *DNS {
	d := &DNS{
		Config: &Config{Servers: []string{"192.0.2.53:53"}, HostsFile: "-", Timeout: time.Second, Attempts: 1},
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			if dials != nil {
				*dials++
			}
			return &scriptConn{udp: network == "udp", packets: packets, stream: stream, chunk: chunk}, nil
		},
	}
	d.init()
	return d
}

// rawName builds a dnsmessage.Name of any bytes (NewName takes them all).
func rawName(s string) dnsmessage.Name {
	n, err := dnsmessage.NewName(s)
	if err != nil {
		panic(err)
	}
	return n
}

func ptrResponse(q dnsmessage.Question, names ...string) []byte {
	return seedResponse(q, dnsmessage.Header{ID: 7, Response: true}, func(b *dnsmessage.Builder) {
		for _, n := range names {
			b.PTRResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET}, dnsmessage.PTRResource{PTR: rawName(n)})
		}
	})
}

func ptrQuestion(addr string) dnsmessage.Question {
	return dnsmessage.Question{Name: rawName(reverseName(mustAddr(addr))), Type: dnsmessage.TypePTR, Class: dnsmessage.ClassINET}
}

// TestLookupAddrRejectsUnsafeNames is the regression test for issue 11.9
// (Go's CVE-2021-33195): a PTR answer that is not a domain name was
// returned as a host name. As net.Resolver.LookupAddr, invalid names are
// dropped and the valid ones come back with net's error.
func TestLookupAddrRejectsUnsafeNames(t *testing.T) {
	const addr = "192.0.2.10"
	q := ptrQuestion(addr)
	cases := []struct {
		answer []string
		want   string // names returned, joined
		bad    bool   // net's malformed-records error
	}{
		{[]string{"<script>alert(1)</script> x."}, "", true},
		{[]string{"ok.example.", "<script>alert(1)</script> x.", "b.example."}, "ok.example. b.example.", true},
		{[]string{"nul\x00byte.example."}, "", true},
		{[]string{"-leading-hyphen.example."}, "", true},
		{[]string{"192.0.2.66."}, "", true}, // all digits: not a host name
		{[]string{"\u00e9t\u00e9.example."}, "", true},
		{[]string{"_srv-like.example.", "host-1.example."}, "_srv-like.example. host-1.example.", false},
	}
	for _, c := range cases {
		d := scriptDNS([][]byte{ptrResponse(q, c.answer...)}, nil, 0, nil)
		names, err := d.LookupAddr(context.Background(), addr)
		if got := strings.Join(names, " "); got != c.want {
			t.Errorf("answer %q: names %q, want %q", c.answer, got, c.want)
		}
		var de *net.DNSError
		if c.bad != (err != nil) || err != nil && (!errors.As(err, &de) || de.Err != errMalformedNames || de.Name != addr) {
			t.Errorf("answer %q: error %v", c.answer, err)
		}
	}
}

// TestLookupAddrLongHostsName: a 263-character name in the hosts file
// made LookupAddr panic (dnsmessage.MustNewName). It is dropped, as net
// does, and the other names of the address are returned with net's error.
func TestLookupAddrLongHostsName(t *testing.T) {
	long := strings.Repeat("x", 60) + "." + strings.Repeat("y", 60) + "." + strings.Repeat("z", 60) + "." +
		strings.Repeat("w", 60) + "." + strings.Repeat("v", 19) // 263 characters
	if len(long) != 263 {
		t.Fatal(len(long))
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("10.4.0.1 "+long+" short.example\n10.4.0.2 "+long+"\n"), 0o644)
	d := &DNS{Config: &Config{Servers: []string{"192.0.2.53:53"}, HostsFile: hosts, Timeout: time.Second, Attempts: 1}}
	for _, c := range []struct{ addr, want string }{{"10.4.0.1", "short.example."}, {"10.4.0.2", ""}} {
		names, err := d.LookupAddr(context.Background(), c.addr)
		var de *net.DNSError
		if got := strings.Join(names, " "); got != c.want || !errors.As(err, &de) || de.Err != errMalformedNames {
			t.Errorf("LookupAddr(%s) = %q, %v; want %q and %q", c.addr, names, err, c.want, errMalformedNames)
		}
	}
}

// TestLookupInvalidNameNotSent: as net, a name that is not a domain name
// is not found, and no query is sent for it.
func TestLookupInvalidNameNotSent(t *testing.T) {
	dials := 0
	d := scriptDNS(nil, nil, 0, &dials)
	for _, host := range []string{"<script>alert(1)</script>", "a b", "bad..name", strings.Repeat("a", 64) + ".example"} {
		_, err := d.LookupNetIP(context.Background(), "ip4", host)
		var de *net.DNSError
		if !errors.As(err, &de) || !de.IsNotFound {
			t.Errorf("LookupNetIP(%q): %v, want a not-found error", host, err)
		}
	}
	if dials != 0 {
		t.Errorf("%d queries sent for invalid names", dials)
	}
}

// TestHostsLongLine: a line over 64 KB (a bufio.Scanner's limit) no
// longer hides the rest of the file.
func TestHostsLongLine(t *testing.T) {
	data := "10.5.0.1 first.example\n# " + strings.Repeat("c", 70<<10) + "\n10.5.0.2 after.example\n"
	h := parseHosts(&hosts{byName: map[string][]netip.Addr{}, byAddr: map[netip.Addr][]string{}}, []byte(data))
	for _, name := range []string{"first.example", "after.example"} {
		if len(h.byName[name]) != 1 {
			t.Errorf("%s: %v", name, h.byName[name])
		}
	}
	c := parseConfig([]byte("# " + strings.Repeat("c", 70<<10) + "\nnameserver 192.0.2.7\n"))
	if len(c.Servers) != 1 || c.Servers[0] != "192.0.2.7:53" {
		t.Errorf("resolv.conf after a long line: servers %v", c.Servers)
	}
}

// TestTCPFraming: a TCP answer delivered a byte at a time is reassembled
// from its length prefix; a short stream is an error, not a panic.
func TestTCPFraming(t *testing.T) {
	q := fuzzQuestion()
	msg := seedResponse(q, dnsmessage.Header{ID: 7, Response: true}, func(b *dnsmessage.Builder) {
		b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET}, dnsmessage.AResource{A: [4]byte{192, 0, 2, 9}})
	})
	framed := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	framed = append(framed, msg...)
	truncated := seedResponse(q, dnsmessage.Header{ID: 7, Response: true, Truncated: true}, nil)
	for _, chunk := range []int{1, 3, 1 << 16} {
		d := scriptDNS([][]byte{truncated}, framed, chunk, nil)
		ans, err := d.exchange(context.Background(), "192.0.2.53:53", q)
		if err != nil || len(ans.addrs) != 1 || ans.addrs[0] != mustAddr("192.0.2.9") {
			t.Errorf("chunks of %d: %v %v", chunk, ans, err)
		}
		d = scriptDNS([][]byte{truncated}, framed[:len(framed)-1], chunk, nil)
		if _, err := d.exchange(context.Background(), "192.0.2.53:53", q); err == nil {
			t.Errorf("chunks of %d: a short TCP answer was accepted", chunk)
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
