package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind a reverse proxy (nginx, Caddy) every request comes from the
// proxy's address, and the browser's address and scheme arrive in
// X-Forwarded-For and X-Forwarded-Proto. Anyone can send those headers, so
// they are believed only when the peer is one of Config.TrustedProxies
// (LOAXA_TRUST_PROXY), and then X-Forwarded-For is read from the right:
// the client is the rightmost address that is not itself a trusted proxy.
// Addresses to its left were written by the client and prove nothing.

// ParseTrustedProxies reads LOAXA_TRUST_PROXY: addresses or CIDRs separated
// by commas or spaces, e.g. "127.0.0.1, 10.0.0.0/8, ::1".
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR (like 10.0.0.0/8)", f)
			}
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR (like 10.0.0.0/8)", f)
		}
		a = a.Unmap()
		ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
	}
	return ps, nil
}

// trusted reports whether a is one of the trusted proxies.
func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the TCP peer, or the zero Addr.
func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// fromTrustedProxy reports whether the request came through a trusted proxy.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	a := peerAddr(r)
	return a.IsValid() && s.trusted(a)
}

// clientAddr is the browser's address: the peer, or, when the peer is a
// trusted proxy, the rightmost untrusted address of X-Forwarded-For. A
// malformed entry ends the walk: the hop that wrote it is the client.
func (s *Server) clientAddr(r *http.Request) string {
	peer := peerAddr(r)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if !s.trusted(peer) {
		return peer.String()
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, ok := parseHop(parts[j])
			if !ok {
				return client.String()
			}
			client = a
			if !s.trusted(a) {
				return a.String()
			}
		}
	}
	return client.String()
}

// parseHop reads one X-Forwarded-For entry: an address, perhaps with a
// port ("1.2.3.4:5678", "[2001:db8::1]:443").
func parseHop(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// forwardedHTTPS reports whether a trusted proxy says the browser used
// https (the last X-Forwarded-Proto value, the one the nearest proxy set).
func (s *Server) forwardedHTTPS(r *http.Request) bool {
	if !s.fromTrustedProxy(r) {
		return false
	}
	vs := r.Header.Values("X-Forwarded-Proto")
	if len(vs) == 0 {
		return false
	}
	parts := strings.Split(vs[len(vs)-1], ",")
	return strings.EqualFold(strings.TrimSpace(parts[len(parts)-1]), "https")
}
