package resolver

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
	"golang.org/x/net/dns/dnsmessage"
)

// DNS is a cooperative DNS client: it resolves names by querying name
// servers over this module's cooperative UDP and TCP sockets, so a lookup
// costs the hub nothing but the packets (gevent's resolver_ares and
// resolver_dnspython play this part in gevent). The zero DNS reads
// /etc/resolv.conf and /etc/hosts at first use.
//
// A lookup: literal addresses are returned as they are; then the hosts
// file; a name that is not a domain name by net's rules (letters, digits,
// '-', '_', labels of 1 to 63 characters) is then not found, and no query
// is sent; then, for each candidate name (the name as is, and with each
// search domain, ordered by ndots as the C library does), an A and an AAAA
// query sent at once (two greenlets), each tried on every server in turn,
// Attempts rounds, each try bounded by Timeout; a truncated UDP answer is
// asked again over TCP. A name error (NXDOMAIN) from a server moves on to
// the next candidate; a server failure or refusal, to the next server
// (and, when every server fails, to the next candidate). A name that does
// not exist under any candidate gives an IsNotFound error; servers that do
// not answer end the lookup with an IsTimeout error.
//
// It waits for the answers on the hub. On kill or a Timeout scope the
// error is returned at once and the sockets are closed: nothing is left
// running. The context's deadline bounds the whole lookup; its
// cancellation is noticed between tries. Fields must not change after
// first use. A DNS may be shared by the greenlets of every hub.
type DNS struct {
	// Config, if set, is used instead of /etc/resolv.conf.
	Config *Config
	// Dial opens the connections to the servers (nil: a socket.Dialer). It
	// must be cooperative, or the hub blocks during queries.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)

	once  sync.Once
	conf  *Config
	hosts *hosts
	next  atomic.Uint32 // rotate
}

func (d *DNS) init() {
	d.once.Do(func() {
		d.conf = d.Config
		if d.conf == nil {
			c, err := ReadConfig("/etc/resolv.conf")
			if err != nil {
				c = parseConfig(nil)
			}
			d.conf = c
		}
		if d.conf.Timeout <= 0 {
			d.conf.Timeout = defaultTimeout
		}
		if d.conf.Attempts <= 0 {
			d.conf.Attempts = defaultAttempts
		}
		path := d.conf.HostsFile
		if path == "" {
			path = "/etc/hosts"
		}
		d.hosts = readHosts(path)
		if d.Dial == nil {
			var sd socket.Dialer
			d.Dial = sd.DialContext
		}
	})
}

// LookupHost resolves host to addresses; see DNS.
func (d *DNS) LookupHost(ctx context.Context, host string) ([]string, error) {
	as, err := d.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out, nil
}

// LookupIP resolves host to IP addresses of network ("ip", "ip4", "ip6").
func (d *DNS) LookupIP(ctx context.Context, network, host string) ([]net.IP, error) {
	as, err := d.LookupNetIP(ctx, network, host)
	if err != nil {
		return nil, err
	}
	out := make([]net.IP, len(as))
	for i, a := range as {
		out[i] = net.IP(a.AsSlice())
	}
	return out, nil
}

// LookupNetIP resolves host to addresses of network ("ip", "ip4", "ip6"):
// IPv4 addresses first, then IPv6.
func (d *DNS) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	switch network {
	case "ip", "ip4", "ip6":
	default:
		return nil, &net.DNSError{Err: "unsupported network " + network, Name: host}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if as := filter(network, []netip.Addr{a.Unmap()}); len(as) > 0 {
			return as, nil
		}
		return nil, &net.DNSError{Err: "no suitable address", Name: host, IsNotFound: true}
	}
	d.init()
	if as, ok := d.hosts.byName[strings.ToLower(strings.TrimSuffix(host, "."))]; ok {
		if as := filter(network, as); len(as) > 0 {
			return as, nil
		}
	}
	if !isDomainName(host) {
		// As net: a name that is not a domain name is not sent.
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var types []dnsmessage.Type
	if network != "ip6" {
		types = append(types, dnsmessage.TypeA)
	}
	if network != "ip4" {
		types = append(types, dnsmessage.TypeAAAA)
	}
	var last error
	sawNotFound := false
	for _, name := range d.candidates(host) {
		as, err := d.queryTypes(ctx, name, types)
		if err == nil && len(as) > 0 {
			return as, nil
		}
		var de *net.DNSError
		if err != nil && (!errors.As(err, &de) || de.IsTimeout) {
			// A kill, a Timeout scope, servers that do not answer: trying
			// further names would only wait longer.
			return nil, err
		}
		if err == nil || de.IsNotFound {
			sawNotFound = true
		} else {
			last = err // a refusal or failure for this name: try the next
		}
	}
	if sawNotFound || last == nil {
		last = notFound(host)
	}
	if de, ok := last.(*net.DNSError); ok {
		de.Name = host
	}
	return nil, last
}

// queryTypes asks for each type at once, on a greenlet each, and merges
// the answers in the order of types.
func (d *DNS) queryTypes(ctx context.Context, name string, types []dnsmessage.Type) ([]netip.Addr, error) {
	if len(types) == 1 {
		return d.queryAddrs(ctx, name, types[0])
	}
	type result struct {
		addrs []netip.Addr
		err   error
	}
	// The greenlet hands its error over in its value: a failed greenlet
	// would be reported by the hub.
	g := gevent.Spawn(func() (result, error) {
		as, err := d.queryAddrs(ctx, name, types[1])
		return result{as, err}, nil
	})
	first, err1 := d.queryAddrs(ctx, name, types[0])
	if err1 != nil && !isNotFound(err1) {
		// Interrupted, or no server answered: the other query is moot.
		g.Kill(nil, false)
		return nil, err1
	}
	res, err2 := g.Get()
	if err2 == nil {
		err2 = res.err
	}
	second := res.addrs
	if err2 != nil && isInterrupt(err2) {
		g.Kill(nil, false)
		return nil, err2
	}
	if all := append(first, second...); len(all) > 0 {
		return all, nil
	}
	if err2 != nil && !isNotFound(err2) {
		return nil, err2
	}
	if err1 != nil {
		return nil, err1
	}
	return nil, err2
}

func (d *DNS) queryAddrs(ctx context.Context, name string, t dnsmessage.Type) ([]netip.Addr, error) {
	ans, err := d.query(ctx, name, t)
	if err != nil {
		return nil, err
	}
	return ans.addrs, nil
}

// LookupAddr returns the names of addr: the hosts file first, then a PTR
// query. As net.Resolver.LookupAddr, it returns only names that are valid
// domain names (letters, digits, '-', '_'; labels of 1 to 63 characters;
// at most 253 characters): if the hosts file or the answer held others,
// they are dropped and the valid ones come back with a *net.DNSError whose
// Err is "DNS response contained records which contain invalid names".
func (d *DNS) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, &net.DNSError{Err: "unrecognized address", Name: addr}
	}
	a = a.Unmap()
	d.init()
	if names, ok := d.hosts.byAddr[a]; ok {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = absolute(n)
		}
		return validNames(out, addr)
	}
	ans, err := d.query(ctx, reverseName(a), dnsmessage.TypePTR)
	if err != nil {
		if de, ok := err.(*net.DNSError); ok {
			de.Name = addr
		}
		return nil, err
	}
	if len(ans.names) == 0 {
		return nil, notFound(addr)
	}
	return validNames(ans.names, addr)
}

// errMalformedNames is net's error detail for answers with invalid names
// (net.Resolver.LookupAddr, LookupCNAME, LookupSRV, LookupMX, LookupNS,
// since CVE-2021-33195).
const errMalformedNames = "DNS response contained records which contain invalid names"

// validNames keeps the names that are domain names (isDomainName), as
// net.Resolver.LookupAddr does: if any was dropped, it returns the others
// with a *net.DNSError whose Err is errMalformedNames.
func validNames(names []string, addr string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if isDomainName(n) {
			out = append(out, n)
		}
	}
	if len(out) != len(names) {
		return out, &net.DNSError{Err: errMalformedNames, Name: addr}
	}
	return out, nil
}

// isDomainName reports whether s is a presentation-format domain name of
// letters, digits, hyphens and underscores, at most 253 characters (254
// with the final dot), labels of 1 to 63: net's isDomainName (net/dnsclient.go),
// copied, which Go's resolver applies to names it queries and to the
// names in answers it returns.
func isDomainName(s string) bool {
	// The root domain name is valid. See golang.org/issue/45715.
	if s == "." {
		return true
	}
	l := len(s)
	if l == 0 || l > 254 || l == 254 && s[l-1] != '.' {
		return false
	}
	last := byte('.')
	nonNumeric := false // true once we've seen a letter or hyphen
	partlen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		default:
			return false
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_':
			nonNumeric = true
			partlen++
		case '0' <= c && c <= '9':
			partlen++
		case c == '-':
			// Byte before dash cannot be dot.
			if last == '.' {
				return false
			}
			partlen++
			nonNumeric = true
		case c == '.':
			// Byte before dot cannot be dot, dash.
			if last == '.' || last == '-' {
				return false
			}
			if partlen > 63 || partlen == 0 {
				return false
			}
			partlen = 0
		}
		last = c
	}
	if last == '-' || partlen > 63 {
		return false
	}
	return nonNumeric
}

// LookupPort returns the port of service for network. Services are read
// from /etc/services by Go's resolver (a local file; nothing is sent).
func (d *DNS) LookupPort(ctx context.Context, network, service string) (int, error) {
	r := net.Resolver{PreferGo: true}
	return r.LookupPort(ctx, network, service)
}

func absolute(n string) string {
	if strings.HasSuffix(n, ".") {
		return n
	}
	return n + "."
}

// candidates returns the absolute names to try for host, in order.
func (d *DNS) candidates(host string) []string {
	if strings.HasSuffix(host, ".") {
		return []string{host}
	}
	var out []string
	asIs := strings.Count(host, ".") >= d.conf.Ndots
	if asIs {
		out = append(out, host+".")
	}
	for _, s := range d.conf.Search {
		n := host + "." + strings.TrimSuffix(s, ".") + "."
		if len(n) <= 254 {
			out = append(out, n)
		}
	}
	if !asIs {
		out = append(out, host+".")
	}
	return out
}

func reverseName(a netip.Addr) string {
	var b strings.Builder
	if a.Is4() {
		v := a.As4()
		for i := 3; i >= 0; i-- {
			b.WriteString(itoa(int(v[i])))
			b.WriteByte('.')
		}
		b.WriteString("in-addr.arpa.")
		return b.String()
	}
	const hex = "0123456789abcdef"
	v := a.As16()
	for i := 15; i >= 0; i-- {
		b.WriteByte(hex[v[i]&0xf])
		b.WriteByte('.')
		b.WriteByte(hex[v[i]>>4])
		b.WriteByte('.')
	}
	b.WriteString("ip6.arpa.")
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// answer is what a response holds for the question.
type answer struct {
	addrs []netip.Addr
	names []string
}

var errRetry = errors.New("resolver: try the next server")

// query asks the servers for (name, t) until one gives an authoritative
// result: Attempts rounds over the servers, each try bounded by Timeout and
// by the context's deadline.
func (d *DNS) query(ctx context.Context, name string, t dnsmessage.Type) (answer, error) {
	qname, err := dnsmessage.NewName(absolute(name))
	if err != nil {
		return answer{}, notFound(name)
	}
	q := dnsmessage.Question{Name: qname, Type: t, Class: dnsmessage.ClassINET}
	servers := d.conf.Servers
	start := 0
	if d.conf.Rotate && len(servers) > 0 {
		start = int(d.next.Add(1)) % len(servers)
	}
	var last error
	for range d.conf.Attempts {
		for i := range servers {
			if err := ctx.Err(); err != nil {
				return answer{}, &net.DNSError{Err: err.Error(), Name: name, IsTimeout: errors.Is(err, context.DeadlineExceeded)}
			}
			server := servers[(start+i)%len(servers)]
			ans, err := d.exchange(ctx, server, q)
			if err == nil || isNotFound(err) {
				return ans, err
			}
			if isInterrupt(err) {
				return answer{}, err
			}
			last = err
		}
	}
	if last == nil || errors.Is(last, errRetry) {
		last = &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	return answer{}, last
}

// isInterrupt reports a kill or a Timeout scope of the caller: errors that
// must end the lookup rather than move on to the next server.
func isInterrupt(err error) bool {
	var to *gevent.Timeout
	return errors.Is(err, gevent.ErrGreenletExit) || errors.As(err, &to) || errors.Is(err, gevent.ErrBlockingSwitchOut)
}

// exchange sends q to server over UDP, and over TCP if the answer is
// truncated, and interprets the response.
func (d *DNS) exchange(ctx context.Context, server string, q dnsmessage.Question) (answer, error) {
	deadline := time.Now().Add(d.conf.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	id := uint16(rand.Uint32())
	msg, err := buildQuery(id, q)
	if err != nil {
		return answer{}, err
	}
	resp, err := d.roundTrip(ctx, "udp", server, id, q, msg, deadline)
	if err != nil {
		return answer{}, d.netErr(q, server, err)
	}
	ans, truncated, err := parseResponse(resp, id, q)
	if truncated {
		resp, err = d.roundTrip(ctx, "tcp", server, id, q, msg, deadline)
		if err != nil {
			return answer{}, d.netErr(q, server, err)
		}
		ans, _, err = parseResponse(resp, id, q)
	}
	return ans, err
}

func (d *DNS) netErr(q dnsmessage.Question, server string, err error) error {
	if isInterrupt(err) {
		return err
	}
	var ne net.Error
	return &net.DNSError{Err: err.Error(), Name: q.Name.String(), Server: server,
		IsTimeout: errors.As(err, &ne) && ne.Timeout()}
}

// roundTrip sends msg and returns the first response that carries id and
// the question (UDP answers that do not are ignored, as spoofing defence).
func (d *DNS) roundTrip(ctx context.Context, network, server string, id uint16, q dnsmessage.Question, msg []byte, deadline time.Time) ([]byte, error) {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c, err := d.Dial(dctx, network, server)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.SetDeadline(deadline); err != nil {
		return nil, err
	}
	if network == "tcp" {
		b := make([]byte, 2+len(msg))
		binary.BigEndian.PutUint16(b, uint16(len(msg)))
		copy(b[2:], msg)
		if _, err := c.Write(b); err != nil {
			return nil, err
		}
		var l [2]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return nil, err
		}
		resp := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(c, resp); err != nil {
			return nil, err
		}
		return resp, nil
	}
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	buf := make([]byte, 1232)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		if matches(buf[:n], id, q) {
			return buf[:n], nil
		}
	}
}

func buildQuery(id uint16, q dnsmessage.Question) ([]byte, error) {
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), dnsmessage.Header{ID: id, RecursionDesired: true})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	return b.Finish()
}

// matches reports whether resp is a response to the query (id, q).
func matches(resp []byte, id uint16, q dnsmessage.Question) bool {
	var p dnsmessage.Parser
	h, err := p.Start(resp)
	if err != nil || !h.Response || h.ID != id {
		return false
	}
	got, err := p.Question()
	return err == nil && sameQuestion(got, q)
}

func sameQuestion(a, b dnsmessage.Question) bool {
	return a.Type == b.Type && a.Class == b.Class && strings.EqualFold(a.Name.String(), b.Name.String())
}

// parseResponse interprets a response to (id, q): the addresses or names
// it answers, whether it was truncated, or an error: a *net.DNSError with
// IsNotFound for a name error or an empty answer, errRetry (wrapped) for a
// server failure, refusal or malformed message.
func parseResponse(resp []byte, id uint16, q dnsmessage.Question) (ans answer, truncated bool, err error) {
	name := q.Name.String()
	bad := func(why string) error {
		return &net.DNSError{Err: why, Name: name, IsTemporary: true}
	}
	var p dnsmessage.Parser
	h, err := p.Start(resp)
	if err != nil {
		return ans, false, bad("cannot unmarshal DNS message")
	}
	if !h.Response || h.ID != id {
		return ans, false, bad("response does not match the query")
	}
	if h.Truncated {
		return ans, true, nil
	}
	switch h.RCode {
	case dnsmessage.RCodeSuccess:
	case dnsmessage.RCodeNameError:
		return ans, false, notFound(name)
	default:
		return ans, false, errors.Join(errRetry, bad("server misbehaving: "+h.RCode.String()))
	}
	qs, err := p.AllQuestions()
	if err != nil || len(qs) != 1 || !sameQuestion(qs[0], q) {
		return ans, false, bad("response does not match the query")
	}
	// Follow the CNAME chain from the question's name.
	target := strings.ToLower(name)
	for {
		rh, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			break
		}
		if err != nil {
			return answer{}, false, bad("cannot unmarshal DNS message")
		}
		owner := strings.ToLower(rh.Name.String())
		if rh.Class != dnsmessage.ClassINET || owner != target && rh.Type != dnsmessage.TypeCNAME {
			if err := p.SkipAnswer(); err != nil {
				return answer{}, false, bad("cannot unmarshal DNS message")
			}
			continue
		}
		switch rh.Type {
		case dnsmessage.TypeCNAME:
			r, err := p.CNAMEResource()
			if err != nil {
				return answer{}, false, bad("cannot unmarshal DNS message")
			}
			if owner == target {
				target = strings.ToLower(r.CNAME.String())
			}
		case dnsmessage.TypeA:
			r, err := p.AResource()
			if err != nil {
				return answer{}, false, bad("cannot unmarshal DNS message")
			}
			if q.Type == dnsmessage.TypeA {
				ans.addrs = append(ans.addrs, netip.AddrFrom4(r.A))
			}
		case dnsmessage.TypeAAAA:
			r, err := p.AAAAResource()
			if err != nil {
				return answer{}, false, bad("cannot unmarshal DNS message")
			}
			if q.Type == dnsmessage.TypeAAAA {
				ans.addrs = append(ans.addrs, netip.AddrFrom16(r.AAAA))
			}
		case dnsmessage.TypePTR:
			r, err := p.PTRResource()
			if err != nil {
				return answer{}, false, bad("cannot unmarshal DNS message")
			}
			if q.Type == dnsmessage.TypePTR {
				ans.names = append(ans.names, r.PTR.String())
			}
		default:
			if err := p.SkipAnswer(); err != nil {
				return answer{}, false, bad("cannot unmarshal DNS message")
			}
		}
	}
	if len(ans.addrs) == 0 && len(ans.names) == 0 {
		// NODATA: the name exists without records of this type.
		return ans, false, notFound(name)
	}
	return ans, false, nil
}
