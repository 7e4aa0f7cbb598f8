package resolver

import (
	"net/netip"
	"testing"

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
