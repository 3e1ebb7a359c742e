package web_test

import (
	"compress/gzip"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// feedIDs reads the feed's own id and its entries' ids.
func feedIDs(t *testing.T, body string) (string, []string) {
	t.Helper()
	var f struct {
		ID      string `xml:"http://www.w3.org/2005/Atom id"`
		Entries []struct {
			ID string `xml:"http://www.w3.org/2005/Atom id"`
		} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, body)
	}
	var ids []string
	for _, e := range f.Entries {
		ids = append(ids, e.ID)
	}
	return f.ID, ids
}

// getHost fetches path with the given Host header, as through another name
// or proxy; the server itself is the same.
func getHost(t *testing.T, s *site, path, host string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
	req.Host = host
	return s.browser().do(req)
}

// TestFeedIDsIgnoreHost: an entry keeps its id whatever Host the reader
// used (RFC 4287 §4.2.6), with LOAXA_BASE_URL and without it, and across a
// restart of the site on the same database.
func TestFeedIDsIgnoreHost(t *testing.T) {
	port := func(s *site) string { return s.srv.URL[strings.LastIndex(s.srv.URL, ":"):] }
	for _, tt := range []struct {
		name string
		mod  func(*web.Config)
		want *regexp.Regexp // an entry id
	}{
		{"without LOAXA_BASE_URL", func(*web.Config) {}, regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)},
		{"with LOAXA_BASE_URL", func(c *web.Config) { c.BaseURL = "http://loa.xaanphu.gov.vn" }, regexp.MustCompile(`^tag:loa\.xaanphu\.gov\.vn,2026-11-27:notice/\d+$`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t, tt.mod)
			a := s.notice(notices.Notice{Title: "Họp dân", Author: "tacgia", Status: notices.StatusApproved})
			s.send(a.ID, notices.DeliverySent)
			b := s.notice(notices.Notice{Title: "Cắt điện", Author: "tacgia", Status: notices.StatusApproved})
			s.send(b.ID, notices.DeliverySent)

			// Loopback names too: those once made the links absolute.
			var feed0 string
			var ids0 []string
			for i, host := range []string{"127.0.0.1" + port(s), "localhost" + port(s), "loa.other-name.vn"} {
				resp, body := getHost(t, s, "/public/feed.atom", host)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("feed via %s = %d", host, resp.StatusCode)
				}
				feed, ids := feedIDs(t, body)
				if len(ids) != 2 {
					t.Fatalf("feed via %s has %d entries; want 2", host, len(ids))
				}
				for _, id := range ids {
					if !tt.want.MatchString(id) {
						t.Errorf("entry id %q; want %s", id, tt.want)
					}
				}
				if strings.Contains(body, "localhost") || strings.Contains(body, "127.0.0.1") || strings.Contains(body, "other-name") {
					t.Errorf("the feed via %s names the request's host:\n%s", host, body)
				}
				if i == 0 {
					feed0, ids0 = feed, ids
					continue
				}
				if feed != feed0 || strings.Join(ids, " ") != strings.Join(ids0, " ") {
					t.Errorf("ids via %s: %s %v; via the first host: %s %v", host, feed, ids, feed0, ids0)
				}
			}
			if ids0[0] == ids0[1] {
				t.Errorf("two entries share the id %s", ids0[0])
			}
			_, body := getHost(t, s, "/public/feed.atom?hamlet=khom-1", "127.0.0.1"+port(s))
			if hamletFeed, _ := feedIDs(t, body); hamletFeed == feed0 {
				t.Errorf("the hamlet's feed has the whole feed's id %s", feed0)
			}
			// A second site on the same database (a restart) keeps the ids.
			cfg := web.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm", Now: s.clock.Now}
			tt.mod(&cfg)
			again, err := web.New(cfg, s.store, s.zalo, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(again)
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/public/feed.atom", nil)
			req.Host = "elsewhere.vn"
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if feed, ids := feedIDs(t, string(raw)); feed != feed0 || strings.Join(ids, " ") != strings.Join(ids0, " ") {
				t.Errorf("after a restart: %s %v; before: %s %v", feed, ids, feed0, ids0)
			}
		})
	}
}

// TestFeedConditionalGet: a feed reader that polls again with what it was
// given gets 304 and no body, by ETag and by date; a new notice changes both.
func TestFeedConditionalGet(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Họp dân", Author: "tacgia", Status: notices.StatusApproved})
	s.send(n.ID, notices.DeliverySent)
	b := s.browser()
	for _, path := range []string{"/public/feed.atom", "/public", "/public/notices/" + strconv.FormatInt(n.ID, 10), "/static/app.css"} {
		resp, body := b.get(path)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || etag == "" || body == "" {
			t.Fatalf("%s = %d, ETag %q", path, resp.StatusCode, etag)
		}
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
		req.Header.Set("If-None-Match", etag)
		resp, body = b.do(req)
		if resp.StatusCode != http.StatusNotModified || body != "" || resp.Header.Get("ETag") != etag {
			t.Errorf("%s again with If-None-Match = %d, %d bytes, ETag %q; want 304, empty", path, resp.StatusCode, len(body),
				resp.Header.Get("ETag"))
		}
		req.Header.Set("If-None-Match", `W/"something-else"`)
		if resp, _ = b.do(req); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with another ETag = %d; want 200", path, resp.StatusCode)
		}
	}
	resp, _ := b.get("/public/feed.atom")
	lm, etag := resp.Header.Get("Last-Modified"), resp.Header.Get("ETag")
	if lm == "" {
		t.Fatalf("the feed has no Last-Modified")
	}
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/public/feed.atom", nil)
	req.Header.Set("If-Modified-Since", lm)
	if resp, body := b.do(req); resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("feed with If-Modified-Since its own date = %d; want 304", resp.StatusCode)
	}
	// A new notice goes out: the same request now gets it.
	s.clock.Add(3600e9)
	m := s.notice(notices.Notice{Title: "Tiêm phòng", Author: "tacgia", Status: notices.StatusApproved})
	s.send(m.ID, notices.DeliverySent)
	resp, body := b.do(req)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Tiêm phòng") {
		t.Errorf("feed with the old date after a new notice = %d; want 200 with it", resp.StatusCode)
	}
	req.Header.Del("If-Modified-Since")
	req.Header.Set("If-None-Match", etag)
	if resp, _ := b.do(req); resp.StatusCode != http.StatusOK {
		t.Errorf("feed with the old ETag after a new notice = %d; want 200", resp.StatusCode)
	}
	// Staff pages are never conditional (no-store).
	if resp, _ := s.signedIn("bien").get("/dashboard"); resp.Header.Get("ETag") != "" {
		t.Errorf("a staff page has an ETag")
	}
}

// TestGzip: the public pages, the feed and the static files come gzipped
// when asked for, and not otherwise; staff pages never do.
func TestGzip(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Họp dân", Body: strings.Repeat("Mời bà con tới dự. ", 40), Author: "tacgia",
		Status: notices.StatusApproved})
	s.send(n.ID, notices.DeliverySent)
	b := s.browser()
	// The client's own transparent gzip is off when it sets the header.
	for _, path := range []string{"/public", "/public/feed.atom", "/public/notices/" + strconv.FormatInt(n.ID, 10), "/static/app.css", "/static/app.js"} {
		_, plain := b.get(path)
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		resp, body := b.do(req)
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s with Accept-Encoding: gzip: Content-Encoding %q, Vary %q", path, resp.Header.Get("Content-Encoding"),
				resp.Header.Get("Vary"))
			continue
		}
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: not gzip: %v", path, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || string(got) != plain {
			t.Errorf("%s: gunzipped body differs from the plain one (%v)", path, err)
		}
		if len(body) >= len(plain) || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("%s: gzip %d bytes (Content-Length %s), plain %d", path, len(body), resp.Header.Get("Content-Length"), len(plain))
		}
		req.Header.Set("Accept-Encoding", "gzip;q=0, identity")
		if resp, _ := b.do(req); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzipped though refused with q=0", path)
		}
	}
	staff := s.signedIn("quantri")
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/dashboard", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if resp, _ := staff.do(req); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("a staff page (with its CSRF token) is compressed")
	}
}

// TestPublicUnknownHamlet: a filter on a hamlet that does not exist is a
// 404, for the page and for the feed, not every hamlet's notices.
func TestPublicUnknownHamlet(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Họp dân", Author: "tacgia", Status: notices.StatusApproved})
	s.send(n.ID, notices.DeliverySent)
	b := s.browser()
	for _, path := range []string{"/public?hamlet=nope", "/public/feed.atom?hamlet=nope"} {
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Họp dân") || !strings.Contains(body, "«nope»") {
			t.Errorf("%s = %d; want 404 saying which code is unknown, without the notices", path, resp.StatusCode)
		}
	}
	// Signed in, the 404 (which a cache in front may keep a minute) still
	// carries nobody's session.
	staff := s.signedIn("quantri")
	for _, path := range []string{"/public?hamlet=nope", "/public/notices/999"} {
		if resp, body := staff.get(path); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "csrf_token") ||
			strings.Contains(body, "quantri") || strings.Contains(body, "/logout") {
			t.Errorf("%s signed in = %d, with the session's menu or token in a public answer", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/public?hamlet=khom-1", "/public/feed.atom?hamlet=khom-1", "/public?hamlet=", "/public/feed.atom"} {
		if resp, body := b.get(path); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Họp dân") {
			t.Errorf("%s = %d; want 200 with the notice", path, resp.StatusCode)
		}
	}
}

// TestFeedAutodiscovery: the public pages announce their feed in <head>.
func TestFeedAutodiscovery(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	for path, feed := range map[string]string{"/public": "/public/feed.atom", "/public?hamlet=khom-2": "/public/feed.atom?hamlet=khom-2"} {
		_, body := b.get(path)
		head, _, _ := strings.Cut(body, "</head>")
		want := `<link rel="alternate" type="application/atom+xml" title="Nguồn tin Atom: thông báo của UBND xã Thử Nghiệm" href="` + feed + `">`
		if !strings.Contains(head, want) {
			t.Errorf("%s: <head> lacks %s", path, want)
		}
	}
}
