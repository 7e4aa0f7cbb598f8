package resolver_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// upstream is a fake DNS server (plain goroutines, outside any hub):
//   - <x>.slow.test: A 10.9.0.1 after slowDelay;
//   - big.trunc.test: truncated over UDP, three A records over TCP;
//   - <x>.fast.test: A 10.8.0.1 at once;
//   - anything else: NXDOMAIN.
type upstream struct {
	addr string
	pc   net.PacketConn
	ln   net.Listener
}

const slowDelay = 300 * time.Millisecond

func startUpstream(t *testing.T) *upstream {
	t.Helper()
	u, err := newUpstream()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.pc.Close(); u.ln.Close() })
	return u
}

func newUpstream() (*upstream, error) {
	// UDP and TCP on one port number: the UDP port is free, the same TCP
	// port may not be (another test's connection), so try a few.
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for range 20 {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		return nil, err
	}
	u := &upstream{addr: pc.LocalAddr().String(), pc: pc, ln: ln}
	go func() {
		for {
			buf := make([]byte, 1500)
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			go func() {
				if resp := answer(buf[:n], true); resp != nil {
					pc.WriteTo(resp, from)
				}
			}()
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var l [2]byte
				if _, err := io.ReadFull(c, l[:]); err != nil {
					return
				}
				q := make([]byte, binary.BigEndian.Uint16(l[:]))
				if _, err := io.ReadFull(c, q); err != nil {
					return
				}
				resp := answer(q, false)
				binary.BigEndian.PutUint16(l[:], uint16(len(resp)))
				c.Write(append(l[:], resp...))
			}()
		}
	}()
	return u, nil
}

func answer(query []byte, udp bool) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(q.Name.String())
	rh := dnsmessage.Header{ID: h.ID, Response: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	var as [][4]byte
	switch {
	case strings.HasSuffix(name, ".slow.test."):
		time.Sleep(slowDelay)
		as = [][4]byte{{10, 9, 0, 1}}
	case strings.HasSuffix(name, ".fast.test."):
		as = [][4]byte{{10, 8, 0, 1}}
	case name == "big.trunc.test.":
		if udp {
			rh.Truncated = true
		} else {
			as = [][4]byte{{10, 7, 0, 1}, {10, 7, 0, 2}, {10, 7, 0, 3}}
		}
	default:
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	if q.Type == dnsmessage.TypeA {
		for _, a := range as {
			b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}, dnsmessage.AResource{A: a})
		}
	}
	out, _ := b.Finish()
	return out
}

// dnsmasqPath finds Debian's dnsmasq. Missing, the test is skipped, except
// under CI=true, where it fails: the CI installs it (scripts/deps.sh).
func dnsmasqPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("dnsmasq"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("dnsmasq is not installed (CI=true): run scripts/deps.sh")
	}
	t.Skip("dnsmasq is not installed")
	return ""
}

var (
	dnsmasqOnce sync.Once
	dnsmasqAddr string
	dnsmasqErr  error
	dnsmasqCmd  *exec.Cmd
)

// startDnsmasq runs one dnsmasq for the package's tests on 127.0.0.1 and
// a free port: address=/fast.test/10.1.2.3, a hosts file (db.lan.test,
// www.lan.test), and slow.test and nx.test (NXDOMAIN) forwarded to a fake upstream that answers
// after slowDelay. No cache, so each slow lookup waits.
func startDnsmasq(t *testing.T) string {
	t.Helper()
	bin := dnsmasqPath(t)
	dnsmasqOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gevent-dnsmasq")
		if err != nil {
			dnsmasqErr = err
			return
		}
		hosts := filepath.Join(dir, "hosts")
		os.WriteFile(hosts, []byte("10.2.0.1 db.lan.test\n10.2.0.2 www.lan.test\n"), 0o644)
		up, err := newUpstream()
		if err != nil {
			dnsmasqErr = err
			return
		}
		for try := 0; try < 5; try++ {
			port := freePort()
			cmd := exec.Command(bin, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
				"--listen-address=127.0.0.1", "--bind-interfaces", fmt.Sprintf("--port=%d", port),
				"--addn-hosts="+hosts, "--address=/fast.test/10.1.2.3",
				"--server=/slow.test/"+strings.Replace(up.addr, ":", "#", 1),
				"--server=/nx.test/"+strings.Replace(up.addr, ":", "#", 1),
				"--cache-size=0", "--pid-file=", "--user=root", "--log-facility=-")
			cmd.Stderr = io.Discard
			if err := cmd.Start(); err != nil {
				dnsmasqErr = err
				return
			}
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			if waitDNS(addr) {
				dnsmasqAddr, dnsmasqCmd = addr, cmd
				return
			}
			cmd.Process.Kill()
			cmd.Wait()
		}
		dnsmasqErr = fmt.Errorf("dnsmasq did not start")
	})
	if dnsmasqErr != nil {
		t.Fatal(dnsmasqErr)
	}
	return dnsmasqAddr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dnsmasqCmd != nil {
		dnsmasqCmd.Process.Kill()
		dnsmasqCmd.Wait()
	}
	os.Exit(code)
}

func freePort() int {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// waitDNS polls addr until it answers a query for x.fast.test.
func waitDNS(addr string) bool {
	r := goResolver(addr)
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		as, err := r.LookupNetIP(ctx, "ip4", "x.fast.test")
		cancel()
		if err == nil && len(as) == 1 && as[0] == netip.MustParseAddr("10.1.2.3") {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// goResolver is Go's pure resolver sending every query to addr.
func goResolver(addr string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}
