package web_test

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

func TestPublicShowsNothingInternal(t *testing.T) {
	s := newSite(t)
	sent := s.notice(notices.Notice{Title: "Cắt điện ngày 28/11", Body: "Từ 7h đến 11h.", Author: "tacgia",
		Status: notices.StatusApproved, Category: "điện nước"})
	s.send(sent.ID, notices.DeliverySent, notices.DeliveryFailed)
	s.clock.Add(time.Hour)
	newer := s.notice(notices.Notice{Title: "Tiêm phòng dại", Body: "Mang chó tới nhà văn hóa.", Author: "tacgia",
		Status: notices.StatusApproved})
	s.send(newer.ID, notices.DeliverySent)
	unsent := s.notice(notices.Notice{Title: "Chưa gửi đâu", Author: "tacgia"})

	b := s.browser() // not signed in
	resp, body := b.get("/public")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /public = %d", resp.StatusCode)
	}
	for _, internal := range []string{"tacgia", "Tác giả", "g1", "g2", "OA không còn", "-403", unsent.Title, "csrf_token", "/logout"} {
		if strings.Contains(body, internal) {
			t.Errorf("/public shows %q", internal)
		}
	}
	i, j := strings.Index(body, newer.Title), strings.Index(body, sent.Title)
	if i < 0 || j < 0 || i > j {
		t.Errorf("/public: want both notices, newest first (at %d and %d)", i, j)
	}
	if !strings.Contains(body, `name="viewport"`) {
		t.Errorf("/public lacks a viewport for phones")
	}
	// Filtered by hamlet: both reached Khóm 1; Khóm 2's delivery failed.
	_, body = b.get("/public?hamlet=khom-2")
	if strings.Contains(body, sent.Title) || strings.Contains(body, newer.Title) {
		t.Errorf("/public?hamlet=khom-2 lists notices that never reached it")
	}
	_, body = b.get("/public?hamlet=khom-1")
	if !strings.Contains(body, sent.Title) || !strings.Contains(body, newer.Title) {
		t.Errorf("/public?hamlet=khom-1 should list both notices")
	}
	_, body = b.get("/public/notices/" + strconv.FormatInt(sent.ID, 10))
	if !strings.Contains(body, "Từ 7h đến 11h.") || strings.Contains(body, "tacgia") || strings.Contains(body, "OA không còn") {
		t.Errorf("public notice page shows the wrong things")
	}
	if resp, _ := b.get("/public/notices/" + strconv.FormatInt(unsent.ID, 10)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unsent notice's public page = %d; want 404", resp.StatusCode)
	}
}

// TestAtomFeed checks the feed against RFC 4287's required elements.
func TestAtomFeed(t *testing.T) {
	s := newSite(t, func(c *web.Config) { c.BaseURL = "https://loaxa.example.vn" })
	sent := s.notice(notices.Notice{Title: "Họp dân", Body: "19h tối nay & mai.", Author: "tacgia",
		Status: notices.StatusApproved, Category: "họp dân"})
	s.send(sent.ID, notices.DeliverySent, notices.DeliverySent)
	s.notice(notices.Notice{Title: "Chưa gửi", Author: "tacgia"})

	resp, body := s.browser().get("/public/feed.atom")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	type link struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	}
	type text struct {
		Type string `xml:"type,attr"`
		Body string `xml:",chardata"`
	}
	var f struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"http://www.w3.org/2005/Atom id"`
		Title   string   `xml:"http://www.w3.org/2005/Atom title"`
		Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
		Links   []link   `xml:"http://www.w3.org/2005/Atom link"`
		Author  struct {
			Name string `xml:"http://www.w3.org/2005/Atom name"`
		} `xml:"http://www.w3.org/2005/Atom author"`
		Entries []struct {
			ID      string `xml:"http://www.w3.org/2005/Atom id"`
			Title   text   `xml:"http://www.w3.org/2005/Atom title"`
			Updated string `xml:"http://www.w3.org/2005/Atom updated"`
			Links   []link `xml:"http://www.w3.org/2005/Atom link"`
			Content text   `xml:"http://www.w3.org/2005/Atom content"`
		} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	dec := xml.NewDecoder(strings.NewReader(body))
	dec.Strict = true
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, body)
	}
	if f.ID != "https://loaxa.example.vn/public/feed.atom" || f.Title == "" || f.Author.Name == "" {
		t.Errorf("feed id %q, title %q, author %q", f.ID, f.Title, f.Author.Name)
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated %q: %v", f.Updated, err)
	}
	var self bool
	for _, l := range f.Links {
		self = self || l.Rel == "self" && l.Href == f.ID
	}
	if !self {
		t.Errorf("feed has no link rel=self to itself: %+v", f.Links)
	}
	if len(f.Entries) != 1 {
		t.Fatalf("feed has %d entries; want the 1 sent notice", len(f.Entries))
	}
	e := f.Entries[0]
	wantID := "tag:loaxa.example.vn,2026-11-27:notice/" + strconv.FormatInt(sent.ID, 10)
	if e.ID != wantID {
		t.Errorf("entry id %q; want %q", e.ID, wantID)
	}
	if !strings.Contains(e.Title.Body, "Họp dân") || e.Title.Type != "text" {
		t.Errorf("entry title %+v", e.Title)
	}
	if e.Content.Type != "text" || e.Content.Body != "19h tối nay & mai." {
		t.Errorf("entry content %+v", e.Content)
	}
	if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
		t.Errorf("entry updated %q: %v", e.Updated, err)
	}
	if len(e.Links) == 0 || e.Links[0].Href != "https://loaxa.example.vn/public/notices/"+strconv.FormatInt(sent.ID, 10) {
		t.Errorf("entry links %+v", e.Links)
	}
	// The hamlet filter makes its own feed.
	_, body = s.browser().get("/public/feed.atom?hamlet=" + url.QueryEscape("khom-2"))
	if !strings.Contains(body, `rel="self"`) || !strings.Contains(body, "feed.atom?hamlet=khom-2") {
		t.Errorf("filtered feed lacks its own self link")
	}
}

// TestHeaders checks the security headers on every kind of response.
func TestHeaders(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("quantri")
	for _, p := range []string{"/login", "/dashboard", "/compose", "/zalo", "/public", "/public/feed.atom",
		"/static/app.css", "/static/app.js", "/nowhere", "/dashboard/progress.json"} {
		resp, body := b.get(p)
		csp := resp.Header.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: nosniff %q, Referrer-Policy %q", p, resp.Header.Get("X-Content-Type-Options"),
				resp.Header.Get("Referrer-Policy"))
		}
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") || strings.Contains(body, " onsubmit=") ||
				strings.Contains(body, "style=") || strings.Contains(body, "javascript:") {
				t.Errorf("%s: inline script or style in the page", p)
			}
		}
	}
	// Bodies are capped.
	big := strings.Repeat("a", 300<<10)
	c := s.browser()
	c.get("/login")
	if resp, _ := c.post("/login", url.Values{"username": {big}, "password": {"x"}}); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 300 kB sign-in = %d; want 413", resp.StatusCode)
	}
	if resp, _ := b.post("/hamlets", url.Values{"name": {big}}); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 300 kB form = %d; want 413", resp.StatusCode)
	}
	srv := web.NewHTTPServer("127.0.0.1:0", nil)
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("NewHTTPServer timeouts %+v", srv)
	}
}
