package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/loaxa/loaxa/notices"
)

// The residents' pages: no sign-in, nothing internal. They show only what
// went out to the groups — title, body, category, when, which hamlets —
// never authors, approvers, group ids or failure reasons.

const publicPageSize = 30

// publicData is the public archive.
type publicData struct {
	Notices []publicItem
	Hamlets []publicHamlet
	Hamlet  string // the chosen hamlet's code
	Page    int
	More    bool
	FeedURL string

	// Several communes (publiccommune.go): the page's name and address,
	// and the communes, linked from the province page.
	Name     string
	Base     string // /public, or /public/c/CODE
	Multi    bool
	Communes []notices.Commune
}

type publicHamlet struct{ Code, Name string }

type publicItem struct {
	notices.PublicNotice
	Header      string // 📢 THÔNG BÁO, 🚨 KHẨN CẤP …
	CommuneName string // with several communes: whose notice it is
}

func (s *Server) publicHamlets(r *http.Request, ps *publicScope) ([]publicHamlet, map[string]int64, error) {
	hs, err := ps.hamlets(r.Context(), s.store)
	if err != nil {
		return nil, nil, err
	}
	out := []publicHamlet{}
	ids := map[string]int64{}
	for _, h := range hs {
		if h.Active {
			out = append(out, publicHamlet{Code: h.Code, Name: h.Name})
			ids[h.Code] = h.ID
		}
	}
	return out, ids, nil
}

// publicFilter reads ?hamlet=code: "" and 0 for every hamlet; a code that
// names no active hamlet is answered with a 404 (ok false), not with every
// hamlet's notices as if it had been left out.
func (s *Server) publicFilter(w http.ResponseWriter, r *http.Request, ps *publicScope) (code string, id int64, ok bool) {
	code = r.URL.Query().Get("hamlet")
	if code == "" {
		return "", 0, true
	}
	_, ids, err := s.publicHamlets(r, ps)
	if err != nil {
		s.serverError(w, r, err)
		return "", 0, false
	}
	if id = ids[code]; id == 0 {
		s.errorPage(w, r, http.StatusNotFound, "Không có thôn/ấp nào đang hoạt động mang mã «"+code+"». Hãy chọn thôn/ấp trong danh sách ở trang Thông báo.")
		return "", 0, false
	}
	return code, id, true
}

// publicList is GET /public?hamlet=code&page=n: sent notices, newest first.
func (s *Server) publicList(w http.ResponseWriter, r *http.Request) {
	ps, ok := s.publicScopeOf(w, r)
	if !ok {
		return
	}
	code, hid, ok := s.publicFilter(w, r, ps)
	if !ok {
		return
	}
	hs, _, err := s.publicHamlets(r, ps)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := publicData{Hamlets: hs, Hamlet: code, FeedURL: ps.base + "/feed.atom", Name: ps.name(s.cfg), Base: ps.base,
		Multi: ps.multi}
	if ps.multi && ps.commune == nil {
		d.Communes = ps.active()
	}
	d.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	d.Page = max(d.Page, 1)
	if hid != 0 {
		d.FeedURL += "?hamlet=" + url.QueryEscape(code)
	}
	list, err := s.publicNotices(r, ps, hid, publicPageSize+1, (d.Page-1)*publicPageSize)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(list) > publicPageSize {
		list, d.More = list[:publicPageSize], true
	}
	for _, p := range list {
		d.Notices = append(d.Notices, publicItem{PublicNotice: p, Header: publicHeader(p), CommuneName: ps.communeName(p.Commune)})
	}
	s.render(w, r, http.StatusOK, "public", view{Title: "Thông báo của " + d.Name, Public: true, Feed: d.FeedURL, Data: d,
		Commune: d.Name})
}

// publicNoticePage is one sent notice's page.
type publicNoticePage struct {
	publicItem
	Back string // the list it belongs to: /public, or its commune's /public/c/CODE
}

// publicNotice is one sent notice, with a stable address (the feed's
// links). It is headed with the name its messages were signed with (its
// commune's, or the province's), and leads back to that page and feed.
func (s *Server) publicNotice(w http.ResponseWriter, r *http.Request) {
	p := s.loadPublic(w, r)
	if p == nil {
		return
	}
	ps, ok := s.publicScopeOf(w, r)
	if !ok {
		return
	}
	back := "/public"
	if c := ps.find(p.Commune); ps.multi && c != nil && c.Active {
		back = "/public/c/" + c.Code
	}
	s.render(w, r, http.StatusOK, "public_notice", view{Title: p.Title, Public: true, Feed: back + "/feed.atom",
		Commune: s.signer(ps.communes, p.Commune, 0),
		Data:    publicNoticePage{publicItem: publicItem{PublicNotice: *p, Header: publicHeader(*p)}, Back: back}})
}

// publicImage serves the image of a sent notice.
func (s *Server) publicImage(w http.ResponseWriter, r *http.Request) {
	if p := s.loadPublic(w, r); p != nil {
		s.serveImage(w, r, p.ID)
	}
}

func (s *Server) loadPublic(w http.ResponseWriter, r *http.Request) *notices.PublicNotice {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil
	}
	p, err := s.store.PublicNoticeByID(r.Context(), id)
	if errors.Is(err, notices.ErrNotFound) {
		s.notFound(w, r)
		return nil
	}
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	return p
}

// publicHeader is the message's header line, as residents saw it in Zalo.
func publicHeader(p notices.PublicNotice) string {
	n := notices.Notice{Kind: p.Kind, Priority: p.Priority, Title: p.Title}
	msg := notices.Render(&n, notices.RenderOptions{})
	for i, c := range msg {
		if c == '\n' {
			return msg[:i]
		}
	}
	return msg
}
