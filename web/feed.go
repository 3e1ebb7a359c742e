package web

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// The Atom feed (RFC 4287) of the public archive, for residents without
// Zalo and for other sites. An id must never change (§4.2.6), whatever
// address or proxy a reader comes through, so ids and links never come from
// the request: with LOAXA_BASE_URL, the feed's id is its address there and
// an entry's is a tag: URI (RFC 4151) of that host, the notice's creation
// date and its number; without it, ids are name-based UUIDs (RFC 9562 §5.5)
// under this installation's own UUID, made at first start and kept in the
// database (notices.Instance), and links are relative (§4.2.7 allows IRI
// references, resolved against the feed's own address).

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
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"` // the category's name, as the site shows it
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

// feed is GET /public/feed.atom[?hamlet=code]; an unknown hamlet is a 404.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	ps, ok := s.publicScopeOf(w, r)
	if !ok {
		return
	}
	code, hid, ok := s.publicFilter(w, r, ps)
	if !ok {
		return
	}
	base := s.cfg.BaseURL
	self := base + ps.base + "/feed.atom"
	alt := base + ps.base
	name := "feed" // a commune's: "feed/c/CODE", so that each feed's id stays its own
	if ps.commune != nil {
		name += "/c/" + ps.commune.Code
	}
	title := ps.name(s.cfg)
	if hid != 0 {
		self += "?hamlet=" + url.QueryEscape(code)
		alt += "?hamlet=" + url.QueryEscape(code)
		name += "?hamlet=" + code
	}
	list, err := s.publicNotices(r, ps, hid, 50, 0)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := atomFeed{
		Lang:   "vi",
		ID:     s.feedID(self, name),
		Title:  "Thông báo của " + title,
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: alt}},
		Author: atomPerson{Name: title},
	}
	var updated time.Time
	for _, p := range list {
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
			ID:        s.entryID(p),
			Title:     atomText{Type: "text", Body: mark + publicHeader(p) + ": " + p.Title + ps.suffix(p.Commune)},
			Updated:   changed.UTC().Format(time.RFC3339),
			Published: sent.UTC().Format(time.RFC3339),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: link}},
			Content:   atomText{Type: "text", Body: lines + p.Body},
		}
		if p.Category != "" {
			e.Category = []atomCategory{{Term: p.Category, Label: categoryLabel(p.Category)}}
		}
		f.Entries = append(f.Entries, e)
	}
	if updated.IsZero() {
		// Nothing sent yet: the feed has been as it is since the
		// installation was made, so a poll sees no change (and a 304).
		updated = s.instance.CreatedAt
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Last-Modified", updated.UTC().Format(http.TimeFormat))
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}

// feedID is the feed's id: its own address under LOAXA_BASE_URL, or a UUID
// named name under this installation's.
func (s *Server) feedID(self, name string) string {
	if s.cfg.BaseURL != "" {
		return self
	}
	return s.instanceURN(name)
}

// entryID is a notice's Atom id: a tag: URI of the configured host, the
// notice's creation date and its number, or without a configured address a
// UUID named after the notice under this installation's.
func (s *Server) entryID(p notices.PublicNotice) string {
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		return "tag:" + u.Hostname() + "," + p.CreatedAt.UTC().Format("2006-01-02") + ":notice/" + strconv.FormatInt(p.ID, 10)
	}
	return s.instanceURN("notice/" + strconv.FormatInt(p.ID, 10))
}

// instanceURN is urn:uuid: of the name-based (SHA-1, version 5) UUID of
// name in the namespace of this installation's UUID (RFC 9562 §5.5).
func (s *Server) instanceURN(name string) string {
	ns, err := hex.DecodeString(strings.ReplaceAll(s.instance.ID, "-", ""))
	if err != nil || len(ns) != 16 {
		ns = make([]byte, 16) // never: the store makes well-formed UUIDs
	}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(name))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
