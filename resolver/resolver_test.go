package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/resolver"
)

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

// backends returns both cooperative resolvers, pointed at server.
func backends(server string, search ...string) map[string]resolver.Resolver {
	return map[string]resolver.Resolver{
		"thread": &resolver.Thread{Resolver: goResolver(server)},
		"dns": &resolver.DNS{Config: &resolver.Config{
			Servers: []string{server}, Search: search, Ndots: 1,
			Timeout: 2 * time.Second, Attempts: 2, HostsFile: "-",
		}},
	}
}

func TestAgainstDnsmasq(t *testing.T) {
	t.Parallel()
	server := startDnsmasq(t)
	for name, r := range backends(server, "lan.test") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run(t, func() error {
				ctx := context.Background()
				cases := []struct {
					host     string
					want     []string
					notFound bool
				}{
					{host: "x.fast.test", want: []string{"10.1.2.3"}},
					{host: "db.lan.test", want: []string{"10.2.0.1"}},
					{host: "www.lan.test.", want: []string{"10.2.0.2"}},
					{host: "10.0.0.7", want: []string{"10.0.0.7"}},
					{host: "missing.nx.test", notFound: true},
				}
				if name == "dns" {
					// Search domains (the thread resolver uses the system's).
					cases = append(cases, struct {
						host     string
						want     []string
						notFound bool
					}{host: "db", want: []string{"10.2.0.1"}})
				}
				for _, c := range cases {
					got, err := r.LookupHost(ctx, c.host)
					if c.notFound {
						var de *net.DNSError
						if !errors.As(err, &de) || !de.IsNotFound {
							t.Errorf("%s: LookupHost(%q) = %v, %v; want not found", name, c.host, got, err)
						}
						continue
					}
					if err != nil || !slices.Equal(got, c.want) {
						t.Errorf("%s: LookupHost(%q) = %v, %v; want %v", name, c.host, got, err, c.want)
					}
				}
				ips, err := r.LookupIP(ctx, "ip4", "x.fast.test")
				if err != nil || len(ips) != 1 || !ips[0].Equal(net.IPv4(10, 1, 2, 3)) {
					t.Errorf("%s: LookupIP = %v, %v", name, ips, err)
				}
				names, err := r.LookupAddr(ctx, "10.2.0.1")
				if err != nil || !slices.Equal(names, []string{"db.lan.test."}) {
					t.Errorf("%s: LookupAddr = %v, %v", name, names, err)
				}
				return nil
			})
		})
	}
}

// TestConcurrentLookups is the seed's program (three gethostbyname calls
// spawned together, then joinall): each name takes slowDelay to resolve
// upstream; together they take about one delay, not three.
func TestConcurrentLookups(t *testing.T) {
	t.Parallel()
	server := startDnsmasq(t)
	for name, r := range backends(server) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run(t, func() error {
				urls := []string{"www.baidu.slow.test", "www.gevent.slow.test", "www.python.slow.test"}
				start := time.Now()
				jobs := make([]*gevent.Greenlet[[]string], len(urls))
				for i, u := range urls {
					jobs[i] = gevent.Spawn(func() ([]string, error) { return r.LookupHost(context.Background(), u) })
				}
				if _, err := gevent.JoinAll(jobs, 5*time.Second); err != nil {
					t.Fatal(err)
				}
				el := time.Since(start)
				for _, j := range jobs {
					if v, err := j.Get(); err != nil || !slices.Equal(v, []string{"10.9.0.1"}) {
						t.Errorf("%s: %v %v", name, v, err)
					}
				}
				// Sequential would be 3 x 300ms = 900ms; overlapping, about
				// 300ms. The bound is generous: parallel tests share the
				// default thread pool, so some queueing is possible.
				if el >= slowDelay*5/2 {
					t.Errorf("%s: three concurrent lookups took %v; one takes %v: they did not overlap", name, el, slowDelay)
				}
				t.Logf("%s: three lookups of %v each took %v together", name, slowDelay, el)
				return nil
			})
		})
	}
}

// TestHubServesDuringLookup: a greenlet keeps ticking while a slow lookup
// waits, for both resolvers.
func TestHubServesDuringLookup(t *testing.T) {
	t.Parallel()
	server := startDnsmasq(t)
	for name, r := range backends(server) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run(t, func() error {
				ticks := 0
				g := gevent.Go(func() {
					for gevent.Sleep(10*time.Millisecond) == nil {
						ticks++
					}
				})
				_, err := r.LookupHost(context.Background(), "tick.slow.test")
				g.Kill(nil, true)
				if err != nil {
					t.Fatal(err)
				}
				if ticks < 5 {
					t.Errorf("%s: %d ticks during a %v lookup", name, ticks, slowDelay)
				}
				return nil
			})
		})
	}
}

func dnsFor(servers ...string) *resolver.DNS {
	return &resolver.DNS{Config: &resolver.Config{Servers: servers, Ndots: 1,
		Timeout: 100 * time.Millisecond, Attempts: 2, HostsFile: "-"}}
}

func TestTCPFallbackOnTruncation(t *testing.T) {
	t.Parallel()
	up := startUpstream(t)
	run(t, func() error {
		got, err := dnsFor(up.addr).LookupHost(context.Background(), "big.trunc.test")
		if err != nil || !slices.Equal(got, []string{"10.7.0.1", "10.7.0.2", "10.7.0.3"}) {
			t.Errorf("LookupHost = %v, %v; want the three records sent over TCP", got, err)
		}
		return nil
	})
}

// blackHole is a UDP server that never answers.
func blackHole(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func TestRetriesNextServer(t *testing.T) {
	t.Parallel()
	up := startUpstream(t)
	run(t, func() error {
		start := time.Now()
		got, err := dnsFor(blackHole(t), up.addr).LookupHost(context.Background(), "a.fast.test")
		if err != nil || !slices.Equal(got, []string{"10.8.0.1"}) {
			t.Errorf("LookupHost = %v, %v", got, err)
		}
		if el := time.Since(start); el < 90*time.Millisecond {
			t.Errorf("answered in %v: the dead server was not tried first", el)
		}
		return nil
	})
}

func TestAllServersTimeOut(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		start := time.Now()
		_, err := dnsFor(blackHole(t)).LookupHost(context.Background(), "a.fast.test")
		var de *net.DNSError
		if !errors.As(err, &de) || !de.IsTimeout {
			t.Errorf("want a timeout *net.DNSError, got %v", err)
		}
		// Two attempts of 100ms each (two queries each, A and AAAA, in parallel).
		if el := time.Since(start); el < 180*time.Millisecond || el > 5*time.Second {
			t.Errorf("gave up after %v, want about 200ms", el)
		}
		return nil
	})
}

func TestContextDeadline(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		r := dnsFor(blackHole(t))
		r.Config.Timeout = 10 * time.Second
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := r.LookupHost(ctx, "a.fast.test")
		if err == nil || time.Since(start) > 5*time.Second {
			t.Errorf("err %v after %v", err, time.Since(start))
		}
		return nil
	})
}

func TestLookupContract(t *testing.T) {
	for _, name := range []string{"dns", "thread"} {
		blocktest.Check(t, blocktest.Op{
			Name: name + ".LookupHost",
			Setup: func() blocktest.Op {
				var r resolver.Resolver = dnsFor(blackHole(t))
				r.(*resolver.DNS).Config.Timeout = time.Minute
				if name == "thread" {
					r = &resolver.Thread{Resolver: goResolver(blackHole(t))}
				}
				return blocktest.Op{Block: func() error {
					_, err := r.LookupHost(context.Background(), "a.fast.test")
					return err
				}}
			},
		})
	}
}

func TestHostsFileAndLiterals(t *testing.T) {
	t.Parallel()
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("# comment\n10.3.0.1 Alpha alpha.example\n2001:db8::1 alpha\n10.3.0.2 beta # trailing\n"), 0o644)
	r := &resolver.DNS{Config: &resolver.Config{Servers: []string{blackHole(t)}, HostsFile: hosts, Timeout: 50 * time.Millisecond, Attempts: 1}}
	run(t, func() error {
		ctx := context.Background()
		cases := []struct {
			network, host string
			want          string
		}{
			{"ip", "alpha", "[10.3.0.1 2001:db8::1]"},
			{"ip4", "ALPHA.", "[10.3.0.1]"},
			{"ip6", "alpha", "[2001:db8::1]"},
			{"ip", "beta", "[10.3.0.2]"},
			{"ip", "::ffff:1.2.3.4", "[1.2.3.4]"},
			{"ip6", "2001:db8::5", "[2001:db8::5]"},
		}
		for _, c := range cases {
			got, err := r.LookupNetIP(ctx, c.network, c.host)
			if err != nil || fmt.Sprint(got) != c.want {
				t.Errorf("LookupNetIP(%s, %s) = %v, %v; want %v", c.network, c.host, got, err, c.want)
			}
		}
		names, err := r.LookupAddr(ctx, "10.3.0.1")
		if err != nil || fmt.Sprint(names) != "[Alpha. alpha.example.]" {
			t.Errorf("LookupAddr = %v, %v", names, err)
		}
		port, err := r.LookupPort(ctx, "tcp", "80")
		if err != nil || port != 80 {
			t.Errorf("LookupPort = %v, %v", port, err)
		}
		return nil
	})
}

func TestReadConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want string
	}{
		{"", "[127.0.0.1:53 [::1]:53] [] 1 5s 2 false"},
		{"nameserver 10.0.0.1\nnameserver ::1 # x\nsearch a.test b.test\noptions ndots:2 timeout:1 attempts:3 rotate\n",
			"[10.0.0.1:53 [::1]:53] [a.test b.test] 2 1s 3 true"},
		{"domain d.test\nnameserver bogus\nnameserver 1.1.1.1\noptions ndots:99 attempts:9\n",
			"[1.1.1.1:53] [d.test] 15 5s 5 false"},
	}
	for _, c := range cases {
		p := filepath.Join(t.TempDir(), "resolv.conf")
		os.WriteFile(p, []byte(c.text), 0o644)
		conf, err := resolver.ReadConfig(p)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(conf.Servers, " ", conf.Search, " ", conf.Ndots, " ", conf.Timeout, " ", conf.Attempts, " ", conf.Rotate)
		got = fmt.Sprintf("%v %v %v %v %v %v", conf.Servers, conf.Search, conf.Ndots, conf.Timeout, conf.Attempts, conf.Rotate)
		if got != c.want {
			t.Errorf("ReadConfig(%q) = %s, want %s", c.text, got, c.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	cases := []struct {
		value string
		want  string
		err   bool
	}{
		{"", "*resolver.Thread", false},
		{"thread", "*resolver.Thread", false},
		{"dns", "*resolver.DNS", false},
		{"block", "*net.Resolver", false},
		{"ares", "", true},
	}
	for _, c := range cases {
		t.Setenv(resolver.EnvVar, c.value)
		r, err := resolver.FromEnv()
		if (err != nil) != c.err || (err == nil && fmt.Sprintf("%T", r) != c.want) {
			t.Errorf("%s=%q: %T, %v", resolver.EnvVar, c.value, r, err)
		}
	}
	resolver.SetDefault(&resolver.DNS{})
	if _, ok := resolver.Default().(*resolver.DNS); !ok {
		t.Error("SetDefault not honoured")
	}
	resolver.SetDefault(nil)
}

// Example_seed is the seed's gethostbyname program, with the cooperative
// DNS client and a hosts file standing for the Internet (no network here).
func Example_seed() {
	gevent.Run(func() error {
		r := &resolver.DNS{Config: &resolver.Config{Servers: []string{"127.0.0.1:1"}, HostsFile: "testdata/hosts"}}
		urls := []string{"www.baidu.com", "www.gevent.org", "www.python.org"}
		jobs := make([]*gevent.Greenlet[[]string], len(urls))
		for i, u := range urls {
			jobs[i] = gevent.Spawn(func() ([]string, error) { return r.LookupHost(context.Background(), u) })
		}
		gevent.JoinAll(jobs, 5*time.Second)
		values := make([]string, len(jobs))
		for i, j := range jobs {
			values[i] = j.Value()[0]
		}
		fmt.Println(values)
		return nil
	})
	// Output: [192.0.2.1 192.0.2.2 192.0.2.3]
}
