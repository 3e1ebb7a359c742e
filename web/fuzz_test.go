package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// FuzzComposeForm posts arbitrary compose forms through the form's own
// parsing: never a panic; a form with no field error gives a notice whose
// preset recurrence parses (a typed spec is checked by the store on save)
// and whose times are UTC; a refused form names fields.
//
//	go test ./web -run '^$' -fuzz '^FuzzComposeForm$' -fuzztime 30s
func FuzzComposeForm(f *testing.F) {
	f.Add("title=Họp+thôn&body=19h&priority=normal&target_mode=all&when=now&kind=notice")
	f.Add("title=x&body=y&when=repeat&repeat=weekly&repeat_time=07:00&repeat_days=1&repeat_days=5")
	f.Add("title=x&body=y&when=repeat&repeat=monthly&repeat_time=25:99&repeat_day=31")
	f.Add("title=x&body=y&when=repeat&repeat=cron&cron=@every+1s")
	f.Add("title=x&body=y&when=at&at=2026-11-27T08:00&expires=2026-11-27T07:00")
	f.Add("title=x&body=y&kind=update&refers_to=-1&target_mode=list&targets=khom-1&targets=%00")
	loc, err := time.LoadLocation(notices.DefaultZone)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		r := &http.Request{Method: http.MethodPost, PostForm: v, Form: v, Header: http.Header{}}
		form := readComposeForm(r)
		errs := fieldErrs{}
		n := form.notice("editor", now, loc, errs)
		spec := form.recurrence(fieldErrs{})
		if len(errs) > 0 {
			for field, msg := range errs {
				if field == "" || strings.TrimSpace(msg) == "" {
					t.Fatalf("a field error without a field or a message: %q %q", field, msg)
				}
			}
			return
		}
		if n == nil {
			t.Fatal("no field error and no notice")
		}
		if spec != "" && form.Repeat != "cron" { // a typed spec is checked by the store, on save
			if _, err := notices.ParseRecurrence(spec, loc); err != nil {
				t.Fatalf("the form built the spec %q, which does not parse: %v", spec, err)
			}
		}
		for _, tm := range []time.Time{n.PublishAt, n.ExpiresAt} {
			if !tm.IsZero() && tm.Location() != time.UTC {
				t.Fatalf("a time not in UTC: %v", tm)
			}
		}
	})
}

// FuzzSafeNext: whatever the sign-in form's next, the destination is a
// path of this site that no browser reads as another host.
//
//	go test ./web -run '^$' -fuzz '^FuzzSafeNext$' -fuzztime 30s
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/dashboard", "//evil.example", "/\t/evil.example", "/\\evil", "https://x", "/a?b=c#d",
		"/%2F/x", "/\u3000/x", "/.//x", "/login", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(got, "/") ||
			strings.HasPrefix(got, "//") {
			t.Fatalf("safeNext(%q) = %q: not a path of this site", next, got)
		}
		for _, c := range []byte(got) {
			if c <= ' ' || c >= 0x7f || c == '\\' {
				t.Fatalf("safeNext(%q) = %q: has byte %#x", next, got, c)
			}
		}
		if got != "/dashboard" && got != next {
			t.Fatalf("safeNext(%q) = %q: rewritten rather than kept or refused", next, got)
		}
	})
}

// FuzzClientAddr: whatever X-Forwarded-For a client sends, the address
// throttling counts is a valid IP; from an untrusted peer it is the peer,
// and through a trusted proxy it is never a trusted proxy's own address
// unless every hop is one.
//
//	go test ./web -run '^$' -fuzz '^FuzzClientAddr$' -fuzztime 30s
func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1:5000", "203.0.113.9")
	f.Add("127.0.0.1:5000", "1.2.3.4, 203.0.113.9, 10.0.0.2")
	f.Add("127.0.0.1:5000", "[2001:db8::1]:443, garbage")
	f.Add("[::1]:80", "::ffff:10.0.0.9,,,")
	f.Add("127.0.0.1:1", "127.0.0.1, 10.0.0.3")
	trusted, err := ParseTrustedProxies("127.0.0.1 ::1, 10.0.0.0/8")
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{cfg: Config{TrustedProxies: trusted}}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		got := s.clientAddr(r)
		peer := peerAddr(r)
		if !peer.IsValid() {
			if got != remote {
				t.Fatalf("clientAddr with peer %q = %q; want the raw peer", remote, got)
			}
			return
		}
		a, err := netip.ParseAddr(got)
		if err != nil {
			t.Fatalf("clientAddr(%q, %q) = %q: not an address", remote, xff, got)
		}
		if !s.trusted(peer) && a != peer {
			t.Fatalf("clientAddr(%q, %q) = %q; want the untrusted peer %s", remote, xff, got, peer)
		}
		if s.trusted(peer) && s.trusted(a) && allParse(xff) {
			for _, h := range strings.Split(xff, ",") {
				if hop, _ := parseHop(h); !s.trusted(hop) {
					t.Fatalf("clientAddr(%q, %q) = %q, a trusted proxy, though hop %s is not", remote, xff, got, hop)
				}
			}
		}
	})
}

func allParse(xff string) bool {
	for _, h := range strings.Split(xff, ",") {
		if _, ok := parseHop(h); !ok {
			return false
		}
	}
	return true
}

// FuzzLoopbackHost: a Host header taken as this machine's own, for
// absolute links without LOAXA_BASE_URL, parses as an http URL whose host
// is exactly a loopback IP or localhost, with no user, path or anything
// after the port, and a port of digits only.
//
//	go test ./web -run '^$' -fuzz '^FuzzLoopbackHost$' -fuzztime 30s
func FuzzLoopbackHost(f *testing.F) {
	for _, h := range []string{"127.0.0.1", "127.0.0.1:8080", "[::1]:80", "localhost:1", "127.0.0.1:80.evil.example",
		"127.0.0.1:80,evil.example", "127.0.0.1:%40evil.example", "localhost@evil", "[::1%25lo]:80", "127.1:80"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if !loopbackHost(h) {
			return
		}
		u, err := url.Parse("http://" + h + "/public")
		if err != nil || u.User != nil || u.Host != h || u.Path != "/public" {
			t.Fatalf("loopbackHost(%q) but http://%s/public parses as %+v, %v", h, h, u, err)
		}
		if hn := u.Hostname(); hn != "localhost" {
			a, err := netip.ParseAddr(hn)
			if err != nil || !a.IsLoopback() || a.Zone() != "" {
				t.Fatalf("loopbackHost(%q): host %q is not a loopback address", h, hn)
			}
		}
		if p := u.Port(); strings.Trim(p, "0123456789") != "" {
			t.Fatalf("loopbackHost(%q): port %q", h, p)
		}
	})
}
