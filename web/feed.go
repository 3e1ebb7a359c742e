package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// The Atom feed (RFC 4287) of the public archive, for residents without
// Zalo and for other sites. Entry ids are tag: URIs (RFC 4151) made of the
// site's host, the notice's creation date and its number, so they never
// change once published.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID        string         `xml:"id"`
	Title     atomText       `xml:"title"`
	Updated   string         `xml:"updated"`
	Published string         `xml:"published"`
	Links     []atomLink     `xml:"link"`
	Category  []atomCategory `xml:"category"`
	Content   atomText       `xml:"content"`
}

// feed is GET /public/feed.atom[?hamlet=code].
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	_, ids, err := s.publicHamlets(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	code := r.URL.Query().Get("hamlet")
	hid := ids[code]
	// Links are absolute only from a trusted base (absBase): never from a
	// forged Host. Without one they are relative, which Atom allows
	// (RFC 4287 §4.2.7: IRI references, resolved against the feed's URL).
	base := s.absBase(r)
	self := base + "/public/feed.atom"
	alt := base + "/public"
	if hid != 0 {
		self += "?hamlet=" + url.QueryEscape(code)
		alt += "?hamlet=" + url.QueryEscape(code)
	}
	ps, err := s.store.PublicNotices(r.Context(), hid, 50, 0)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	host := "loaxa.invalid"
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	f := atomFeed{
		Lang:   "vi",
		ID:     s.feedID(base, self),
		Title:  "Thông báo của " + s.cfg.Commune,
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: alt}},
		Author: atomPerson{Name: s.cfg.Commune},
	}
	var updated time.Time
	for _, p := range ps {
		sent := p.SentAt
		if sent.IsZero() {
			sent = p.CreatedAt
		}
		link := base + "/public/notices/" + strconv.FormatInt(p.ID, 10)
		mark, lines, changed := feedMarks(p, base, sent) // withdrawn, corrected (publicmarks.go)
		if changed.After(updated) {
			updated = changed
		}
		e := atomEntry{
			ID:        entryID(host, p),
			Title:     atomText{Type: "text", Body: mark + publicHeader(p) + ": " + p.Title},
			Updated:   changed.UTC().Format(time.RFC3339),
			Published: sent.UTC().Format(time.RFC3339),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: link}},
			Content:   atomText{Type: "text", Body: lines + p.Body},
		}
		if p.Category != "" {
			e.Category = []atomCategory{{Term: p.Category}}
		}
		f.Entries = append(f.Entries, e)
	}
	if updated.IsZero() {
		updated = s.now()
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}

// feedID is the feed's id: its own address when that is absolute, or a tag:
// URI otherwise (an id must be an absolute IRI).
func (s *Server) feedID(base, self string) string {
	if base != "" {
		return self
	}
	return "tag:loaxa.invalid,2026:" + strings.TrimPrefix(self, "/")
}

// entryID is a notice's Atom id. It is the seam for making ids stable from
// a stored value: today it is built from the host of the trusted base
// (never from a request's Host) and the notice's creation date and number.
func entryID(host string, p notices.PublicNotice) string {
	return "tag:" + host + "," + p.CreatedAt.UTC().Format("2006-01-02") + ":notice/" + strconv.FormatInt(p.ID, 10)
}
