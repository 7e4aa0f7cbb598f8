package resolver

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func fuzzQuestion() dnsmessage.Question {
	return dnsmessage.Question{Name: dnsmessage.MustNewName("www.example.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
}

func seedResponse(q dnsmessage.Question, h dnsmessage.Header, answers func(b *dnsmessage.Builder)) []byte {
	b := dnsmessage.NewBuilder(nil, h)
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	if answers != nil {
		answers(&b)
	}
	out, _ := b.Finish()
	return out
}

// FuzzParseResponse feeds arbitrary bytes to the response parser: it must
// never panic, and what it accepts must answer the question.
func FuzzParseResponse(f *testing.F) {
	q := fuzzQuestion()
	rh := dnsmessage.Header{ID: 7, Response: true}
	f.Add(seedResponse(q, rh, func(b *dnsmessage.Builder) {
		cname := dnsmessage.MustNewName("alias.example.test.")
		b.CNAMEResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET}, dnsmessage.CNAMEResource{CNAME: cname})
		b.AResource(dnsmessage.ResourceHeader{Name: cname, Class: dnsmessage.ClassINET}, dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}})
		b.AResource(dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName("other.test."), Class: dnsmessage.ClassINET}, dnsmessage.AResource{A: [4]byte{6, 6, 6, 6}})
	}))
	f.Add(seedResponse(q, dnsmessage.Header{ID: 7, Response: true, Truncated: true}, nil))
	f.Add(seedResponse(q, dnsmessage.Header{ID: 7, Response: true, RCode: dnsmessage.RCodeNameError}, nil))
	f.Add([]byte{0, 7, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		ans, _, err := parseResponse(data, 7, q)
		if err != nil && (len(ans.addrs) > 0 || len(ans.names) > 0) {
			t.Fatalf("answer %v together with error %v", ans, err)
		}
		for _, a := range ans.addrs {
			if !a.Is4() {
				t.Fatalf("A query answered with %v", a)
			}
		}
		matches(data, 7, q)
	})
}

// TestParseFollowsCNAME: records of other owners are ignored.
func TestParseFollowsCNAME(t *testing.T) {
	q := fuzzQuestion()
	resp := seedResponse(q, dnsmessage.Header{ID: 7, Response: true}, func(b *dnsmessage.Builder) {
		cname := dnsmessage.MustNewName("alias.example.test.")
		b.CNAMEResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET}, dnsmessage.CNAMEResource{CNAME: cname})
		b.AResource(dnsmessage.ResourceHeader{Name: cname, Class: dnsmessage.ClassINET}, dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}})
		b.AResource(dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName("other.test."), Class: dnsmessage.ClassINET}, dnsmessage.AResource{A: [4]byte{6, 6, 6, 6}})
	})
	ans, tc, err := parseResponse(resp, 7, q)
	if err != nil || tc || len(ans.addrs) != 1 || ans.addrs[0] != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("parse = %v %v %v", ans, tc, err)
	}
	if _, _, err := parseResponse(resp, 8, q); err == nil {
		t.Error("wrong id accepted")
	}
}

func TestReverseName(t *testing.T) {
	cases := map[string]string{
		"192.0.2.10":  "10.2.0.192.in-addr.arpa.",
		"2001:db8::1": "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
	}
	for in, want := range cases {
		if got := reverseName(netip.MustParseAddr(in)); got != want {
			t.Errorf("reverseName(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestCandidates(t *testing.T) {
	d := &DNS{Config: &Config{Servers: []string{"127.0.0.1:1"}, Search: []string{"a.test", "b.test."}, Ndots: 1, HostsFile: "-"}}
	d.init()
	cases := map[string]string{
		"host":      "[host.a.test. host.b.test. host.]",
		"www.x":     "[www.x. www.x.a.test. www.x.b.test.]",
		"absolute.": "[absolute.]",
	}
	for in, want := range cases {
		if got := fmtList(d.candidates(in)); got != want {
			t.Errorf("candidates(%s) = %s, want %s", in, got, want)
		}
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

// splitPackets cuts fuzz data into datagrams, each a 2-byte big-endian
// length and that many bytes (a length past the end takes what is left).
func splitPackets(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 {
		n := min(int(binary.BigEndian.Uint16(b)), len(b)-2)
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out
}

// joinPackets is splitPackets' inverse, for seeds.
func joinPackets(pkts ...[]byte) []byte {
	var out []byte
	for _, p := range pkts {
		out = binary.BigEndian.AppendUint16(out, uint16(len(p)))
		out = append(out, p...)
	}
	return out
}

func tcpFrame(msg []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)
}

// FuzzLookupAddrPTR runs LookupAddr against a server that answers with
// fuzzed UDP datagrams and, on a truncated one, a fuzzed TCP stream read
// in fuzzed chunks: it must never panic, every name it returns must be a
// domain name, and names come with an error only as net's "invalid names"
// error.
func FuzzLookupAddrPTR(f *testing.F) {
	const addr = "192.0.2.10"
	q := ptrQuestion(addr)
	good := ptrResponse(q, "host.example.")
	evil := ptrResponse(q, "<script>alert(1)</script> x.", "ok.example.")
	tc := seedResponse(q, dnsmessage.Header{ID: 7, Response: true, Truncated: true}, nil)
	f.Add(joinPackets(good), []byte(nil), uint8(0))
	f.Add(joinPackets(evil), []byte(nil), uint8(0))
	f.Add(joinPackets([]byte{1, 2, 3}, good), []byte(nil), uint8(0))
	f.Add(joinPackets(tc), tcpFrame(evil), uint8(1))
	f.Add(joinPackets(tc), tcpFrame(good)[:10], uint8(3))
	f.Add(joinPackets(seedResponse(q, dnsmessage.Header{ID: 7, Response: true, RCode: dnsmessage.RCodeNameError}, nil)), []byte(nil), uint8(0))
	f.Fuzz(func(t *testing.T, udp, tcp []byte, chunk uint8) {
		d := scriptDNS(splitPackets(udp), tcp, int(chunk), nil)
		names, err := d.LookupAddr(context.Background(), addr)
		for _, n := range names {
			if !isDomainName(n) {
				t.Fatalf("LookupAddr returned %q", n)
			}
		}
		var de *net.DNSError
		if err != nil && len(names) > 0 && (!errors.As(err, &de) || de.Err != errMalformedNames) {
			t.Fatalf("names %q with error %v", names, err)
		}
	})
}

// FuzzFraming feeds fuzzed datagrams and a fuzzed TCP stream (read in
// fuzzed chunks: partial length prefixes, short, oversized and truncated
// messages) to the client's transport: a UDP round trip returns only a
// datagram that answers the query and fits the 1232-byte buffer; a TCP
// round trip returns exactly the message its length prefix announces; and
// exchange (UDP, then TCP on truncation, then parsing) never panics.
func FuzzFraming(f *testing.F) {
	q := fuzzQuestion()
	a := seedResponse(q, dnsmessage.Header{ID: 7, Response: true}, func(b *dnsmessage.Builder) {
		b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET}, dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}})
	})
	tc := seedResponse(q, dnsmessage.Header{ID: 7, Response: true, Truncated: true}, nil)
	big := append(append([]byte(nil), a...), make([]byte, 2000)...)
	f.Add(joinPackets(a), tcpFrame(a), uint8(0))
	f.Add(joinPackets(tc), tcpFrame(a), uint8(1))
	f.Add(joinPackets([]byte{0xff}, big), tcpFrame(big), uint8(7))
	f.Add(joinPackets(tc), []byte{0x00}, uint8(1))
	f.Add(joinPackets(tc), []byte{0xff, 0xff, 1, 2, 3}, uint8(2))
	f.Add(joinPackets(tc), []byte{0, 0}, uint8(0))
	f.Fuzz(func(t *testing.T, udp, tcp []byte, chunk uint8) {
		ctx := context.Background()
		deadline := time.Now().Add(time.Second)
		msg, err := buildQuery(7, q)
		if err != nil {
			t.Fatal(err)
		}
		d := scriptDNS(splitPackets(udp), tcp, int(chunk), nil)
		if resp, err := d.roundTrip(ctx, "udp", "192.0.2.53:53", 7, q, msg, deadline); err == nil {
			if len(resp) > 1232 || !matches(resp, 7, q) {
				t.Fatalf("UDP round trip returned %d bytes that do not answer the query", len(resp))
			}
		}
		if resp, err := d.roundTrip(ctx, "tcp", "192.0.2.53:53", 7, q, msg, deadline); err == nil {
			// The script patched the query's ID (7) into bytes 2-3.
			want := append([]byte(nil), tcp...)
			if len(want) >= 4 {
				want[2], want[3] = 0, 7
			}
			n := int(binary.BigEndian.Uint16(want))
			if len(want) < 2+n || !bytes.Equal(resp, want[2:2+n]) {
				t.Fatalf("TCP round trip returned %d bytes for a %d-byte stream", len(resp), len(tcp))
			}
		}
		ans, err := d.exchange(ctx, "192.0.2.53:53", q)
		if err != nil && len(ans.addrs) > 0 {
			t.Fatalf("addresses %v with error %v", ans.addrs, err)
		}
	})
}

// FuzzHostsFile parses arbitrary hosts files: no panic, and LookupAddr
// and LookupNetIP over what was parsed never panic, never send a query,
// and return only domain names.
func FuzzHostsFile(f *testing.F) {
	f.Add([]byte("# comment\n10.3.0.1 Alpha alpha.example\n2001:db8::1 alpha\n10.3.0.2 beta # trailing\n"))
	f.Add([]byte("10.4.0.1 " + strings.Repeat("x", 263) + " short.example\r\n::ffff:10.4.0.9 mapped.\n"))
	f.Add([]byte("fe80::1%eth0 zoned\n10.0.0.1 <script>alert(1)</script> x\n10.0.0.2 . .. ...\n"))
	f.Add([]byte("10.0.0.3\n\n\t10.0.0.4\tTab.Example\t\n10.0.0.5 1.2.3.4"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := parseHosts(&hosts{byName: map[string][]netip.Addr{}, byAddr: map[netip.Addr][]string{}}, data)
		dials := 0
		d := scriptDNS(nil, nil, 0, &dials)
		d.hosts = h
		ctx := context.Background()
		i := 0
		for a := range h.byAddr {
			if i++; i > 20 {
				break
			}
			names, _ := d.LookupAddr(ctx, a.String())
			for _, n := range names {
				if !isDomainName(n) {
					t.Fatalf("LookupAddr(%v) returned %q", a, n)
				}
			}
		}
		i = 0
		for name, as := range h.byName {
			if i++; i > 20 {
				break
			}
			if _, err := netip.ParseAddr(name); err == nil || name == "" || strings.HasSuffix(name, ".") {
				continue // literals are answered as themselves; "x.." is looked up as "x."
			}
			got, err := d.LookupNetIP(ctx, "ip", name)
			if err != nil || len(got) != len(as) {
				t.Fatalf("LookupNetIP(%q) = %v, %v; the hosts file has %v", name, got, err, as)
			}
		}
		if dials != 0 {
			t.Fatalf("%d queries sent for names of the hosts file", dials)
		}
	})
}
