package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"time"
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
	base := s.baseURL(r)
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
		ID:     self,
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
		if sent.After(updated) {
			updated = sent
		}
		link := base + "/public/notices/" + strconv.FormatInt(p.ID, 10)
		e := atomEntry{
			ID:        "tag:" + host + "," + p.CreatedAt.UTC().Format("2006-01-02") + ":notice/" + strconv.FormatInt(p.ID, 10),
			Title:     atomText{Type: "text", Body: publicHeader(p) + ": " + p.Title},
			Updated:   sent.UTC().Format(time.RFC3339),
			Published: sent.UTC().Format(time.RFC3339),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: link}},
			Content:   atomText{Type: "text", Body: p.Body},
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
