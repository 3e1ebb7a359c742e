package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestLoopbackLookalikeHostRefused: without LOAXA_BASE_URL, only a Host
// that is exactly a loopback address or localhost, with an all-digit port,
// reaches the feed's absolute links and the OAuth redirect_uri; one that
// merely starts like one is treated as a stranger's.
func TestLoopbackLookalikeHostRefused(t *testing.T) {
	s := newSite(t)
	sent := s.notice(notices.Notice{Title: "Họp dân", Author: "tacgia", Status: notices.StatusApproved})
	s.send(sent.ID, notices.DeliverySent)
	admin := s.signedIn("quantri")
	u, _ := url.Parse(s.srv.URL)
	withHost := func(method, path, host string) *http.Response {
		var req *http.Request
		if method == http.MethodPost {
			req, _ = http.NewRequest(method, s.srv.URL+path, strings.NewReader(url.Values{"csrf_token": {admin.csrf}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req, _ = http.NewRequest(method, s.srv.URL+path, nil)
		}
		for _, c := range admin.c.Jar.Cookies(u) {
			req.AddCookie(c)
		}
		req.Host = host
		resp, err := admin.c.Do(req) // not admin.do: the body must stay unread here
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	port := u.Port()
	for _, host := range []string{
		"127.0.0.1:" + port + ".evil.example", "127.0.0.1:80,evil.example", "127.0.0.1:%40evil.example",
		"localhost:80.evil.example", "[::1]:80.evil.example", "127.0.0.1:", "127.0.0.1:+80", "localhost.:80",
	} {
		resp := withHost(http.MethodGet, "/public/feed.atom", host)
		body := readAll(resp)
		if resp.StatusCode == http.StatusOK && (strings.Contains(body, "evil") || strings.Contains(body, `href="http`)) {
			t.Errorf("feed with Host %q has absolute links:\n%s", host, body)
		}
		resp = withHost(http.MethodPost, "/zalo/connect", host)
		readAll(resp)
		if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusSeeOther && loc != "/zalo" {
			t.Errorf("connect with Host %q redirects to %q; want refused", host, loc)
		}
	}
	// The real loopback address still connects Zalo (loaxa demo), with a
	// redirect_uri on it; the feed's links stay relative whatever the Host
	// (issue 16: nothing of a feed comes from a request header).
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "127.0.0.1"} {
		body := readAll(withHost(http.MethodGet, "/public/feed.atom", host))
		if !strings.Contains(body, `href="/public/notices/`+strconv.FormatInt(sent.ID, 10)+`"`) || strings.Contains(body, `href="http`) {
			t.Errorf("feed with Host %q: want relative links only:\n%s", host, body)
		}
		resp := withHost(http.MethodPost, "/zalo/connect", host)
		readAll(resp)
		if loc := resp.Header.Get("Location"); !strings.Contains(loc, url.QueryEscape("http://"+host+"/zalo/callback")) {
			t.Errorf("connect with Host %q redirects to %q; want Zalo's page with a redirect_uri on %s", host, loc, host)
		}
	}
}
