package resolver

import (
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the configuration of a DNS client: what /etc/resolv.conf says.
type Config struct {
	// Servers are the name servers, "ip:port", tried in order (or
	// round-robin with Rotate).
	Servers []string
	// Search lists the domains appended to names with fewer than Ndots dots.
	Search []string
	// Ndots: a name with at least this many dots is tried as is first.
	Ndots int
	// Timeout bounds each query to one server.
	Timeout time.Duration
	// Attempts is how many rounds over the servers a query makes.
	Attempts int
	// Rotate spreads the queries over the servers.
	Rotate bool
	// HostsFile is read before any query ("" : /etc/hosts, "-": none).
	HostsFile string
}

// Defaults of resolv.conf(5).
const (
	defaultNdots    = 1
	defaultTimeout  = 5 * time.Second
	defaultAttempts = 2
)

// ReadConfig parses a resolv.conf file (nameserver, search, domain,
// options ndots: timeout: attempts: rotate). With no nameserver it uses
// 127.0.0.1:53 and [::1]:53, as the C library does. It reads the file
// with a plain blocking read (a local file: a few microseconds).
func ReadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseConfig(data), nil
}

func parseConfig(data []byte) *Config {
	c := &Config{Ndots: defaultNdots, Timeout: defaultTimeout, Attempts: defaultAttempts}
	for line := range strings.Lines(string(data)) {
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if a, err := netip.ParseAddr(f[1]); err == nil {
				c.Servers = append(c.Servers, netip.AddrPortFrom(a, 53).String())
			}
		case "domain":
			c.Search = []string{f[1]}
		case "search":
			c.Search = append([]string(nil), f[1:]...)
		case "options":
			for _, o := range f[1:] {
				k, v, _ := strings.Cut(o, ":")
				n, _ := strconv.Atoi(v)
				switch k {
				case "ndots":
					c.Ndots = min(max(n, 0), 15)
				case "timeout":
					if n >= 1 {
						c.Timeout = time.Duration(n) * time.Second
					}
				case "attempts":
					if n >= 1 {
						c.Attempts = min(n, 5)
					}
				case "rotate":
					c.Rotate = true
				}
			}
		}
	}
	if len(c.Servers) == 0 {
		c.Servers = []string{"127.0.0.1:53", "[::1]:53"}
	}
	return c
}

// hosts is a parsed hosts file.
type hosts struct {
	byName map[string][]netip.Addr // lower-case name without trailing dot
	byAddr map[netip.Addr][]string
}

func readHosts(path string) *hosts {
	h := &hosts{byName: map[string][]netip.Addr{}, byAddr: map[netip.Addr][]string{}}
	if path == "-" {
		return h
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return h
	}
	return parseHosts(h, data)
}

// parseHosts adds the entries of a hosts file to h. Every line is read,
// however long (a bufio.Scanner would stop at the first line over 64 KB
// and drop the rest of the file). Names are kept as written: LookupAddr
// drops the ones that are not domain names, as net does.
func parseHosts(h *hosts, data []byte) *hosts {
	for line := range strings.Lines(string(data)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		a, err := netip.ParseAddr(f[0])
		if err != nil {
			continue
		}
		a = a.Unmap()
		for _, name := range f[1:] {
			key := strings.ToLower(strings.TrimSuffix(name, "."))
			h.byName[key] = append(h.byName[key], a)
			h.byAddr[a] = append(h.byAddr[a], name)
		}
	}
	return h
}

// filter keeps the addresses of network ("ip", "ip4", "ip6").
func filter(network string, as []netip.Addr) []netip.Addr {
	var out []netip.Addr
	for _, a := range as {
		switch {
		case network == "ip4" && !a.Is4(), network == "ip6" && !a.Is6():
			continue
		}
		out = append(out, a)
	}
	return out
}

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}
