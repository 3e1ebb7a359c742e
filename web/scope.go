package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// Scoping (docs/SECURITY.md, README "Cả tỉnh: nhiều xã trên một máy").
//
// With one commune nothing is scoped: every page shows everything, as
// before there were communes. With several, a commune's staff see their
// own commune's notices, hamlets, accounts, deliveries and audit entries,
// and the province-wide notices aimed at their commune, read-only; any
// other commune's is "not found" (404), never "forbidden", so that its
// existence is not revealed. Province staff (accounts with no commune)
// pick a commune, or "toàn tỉnh", in the header: the choice is kept in
// the xaCookie cookie for the browser session, and a "?xa=CODE" query
// parameter overrides it for one request (the hamlet pages' links in
// "toàn tỉnh"). The choice only narrows what province staff see; it
// never widens what a commune's staff see: their commune comes from
// their account.

// xaCookie keeps a province staff member's chosen commune ("" or
// missing: toàn tỉnh).
const xaCookie = "loaxa_xa"

// scope is what a staff member's pages show.
type scope struct {
	Multi    bool              // the database serves several communes
	Province bool              // a province account (no commune of its own)
	Commune  *notices.Commune  // the commune shown; nil: everything (one commune, or toàn tỉnh)
	Communes []notices.Commune // every commune, for the selector and the compose page
}

type scopeKey struct{}

// scopeOf works out sess's scope for r.
func (s *Server) scopeOf(r *http.Request, sess *notices.Session) (*scope, error) {
	cs, err := s.store.Communes(r.Context())
	if err != nil {
		return nil, err
	}
	sc := &scope{Multi: len(cs) > 1, Province: sess.User.Commune == notices.Province, Communes: cs}
	if !sc.Multi {
		return sc, nil
	}
	if !sc.Province {
		for i := range cs {
			if cs[i].ID == sess.User.CommuneID {
				sc.Commune = &cs[i]
				return sc, nil
			}
		}
		return nil, errors.New("web: the account's commune is missing")
	}
	code := ""
	if c, err := r.Cookie(xaCookie); err == nil {
		code = c.Value
	}
	if q := r.URL.Query(); q.Has("xa") {
		code = q.Get("xa")
	}
	sc.Commune = sc.find(code)
	return sc, nil
}

// find returns the commune with code, or nil.
func (sc *scope) find(code string) *notices.Commune {
	code = strings.ToLower(strings.TrimSpace(code))
	for i := range sc.Communes {
		if sc.Communes[i].Code == code {
			return &sc.Communes[i]
		}
	}
	return nil
}

// withScope keeps sc in r's context, for the handler and the layout.
func withScope(r *http.Request, sc *scope) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), scopeKey{}, sc))
}

// scopeFrom is the scope the staff wrapper worked out; outside it (the
// public pages), an unscoped one.
func scopeFrom(r *http.Request) *scope {
	if sc, ok := r.Context().Value(scopeKey{}).(*scope); ok {
		return sc
	}
	return &scope{}
}

// code is the commune lists are narrowed to; "": none.
func (sc *scope) code() string {
	if sc.Commune == nil {
		return ""
	}
	return sc.Commune.Code
}

// id is the commune lists are narrowed to; 0: none.
func (sc *scope) id() int64 {
	if sc.Commune == nil {
		return 0
	}
	return sc.Commune.ID
}

// AllProvince: a province account looking at every commune at once.
func (sc *scope) AllProvince() bool { return sc.Multi && sc.Province && sc.Commune == nil }

// sees reports whether n may be shown.
func (sc *scope) sees(n *notices.Notice) bool {
	return sc.Commune == nil || notices.Reaches(n, sc.Commune.Code)
}

// acts reports whether n may be changed (edited, approved, cancelled,
// retried, paused, test-sent): a commune's staff only read the province's
// notices.
func (sc *scope) acts(n *notices.Notice) bool {
	if !sc.sees(n) {
		return false
	}
	return !sc.Multi || sc.Province || n.Commune != notices.Province
}

// seesHamlet reports whether h may be shown.
func (sc *scope) seesHamlet(h *notices.Hamlet) bool {
	return sc.Commune == nil || h.CommuneID == sc.Commune.ID
}

// seesUser reports whether the account u may be shown and managed: a
// commune's admin manages their commune's accounts; a province admin
// sees the chosen commune's, or every account at toàn tỉnh.
func (sc *scope) seesUser(u *notices.User) bool {
	return sc.Commune == nil || u.CommuneID == sc.Commune.ID
}

// hamlets lists the hamlets in scope.
func (s *Server) scopedHamlets(r *http.Request) ([]notices.Hamlet, error) {
	if sc := scopeFrom(r); sc.Commune != nil {
		return s.store.HamletsOf(r.Context(), sc.Commune.ID)
	}
	return s.store.Hamlets(r.Context())
}

// scopeChoose is POST /scope: a province account picks the commune its
// pages show, or toàn tỉnh (xa empty).
func (s *Server) scopeChoose(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	sc := scopeFrom(r)
	if !sc.Multi || !sc.Province {
		s.notFound(w, r)
		return
	}
	code := strings.TrimSpace(r.PostFormValue("xa"))
	back := safeNext(r.PostFormValue("back"))
	if code == "" {
		s.setCookie(w, r, xaCookie, "", -1)
		s.redirect(w, r, back, "Đang xem toàn tỉnh.")
		return
	}
	c := sc.find(code)
	if c == nil {
		s.errorPage(w, r, http.StatusBadRequest, "Không có xã mang mã "+code+"; hãy chọn lại trong danh sách ở đầu trang.")
		return
	}
	s.setCookie(w, r, xaCookie, c.Code, 0)
	s.redirect(w, r, back, "Đang xem "+c.Name+".")
}

// noticeDeliveries is n's deliveries by hamlet, of the hamlets in scope:
// a commune's staff see only their hamlets' part of a province notice. (The
// store lists only the hamlets n targets or reached, by hamlet id, so a
// commune's notice already holds only that commune's hamlets.)
func (s *Server) noticeDeliveries(r *http.Request, n *notices.Notice) ([]notices.HamletDeliveries, error) {
	hds, err := s.store.NoticeDeliveries(r.Context(), n.ID)
	sc := scopeFrom(r)
	if err != nil || !sc.Multi {
		return hds, err
	}
	if commune := sc.id(); commune != 0 {
		out := hds[:0]
		for _, hd := range hds {
			if hd.Hamlet.CommuneID == commune {
				out = append(out, hd)
			}
		}
		return out, nil
	}
	if n.CommuneID != 0 {
		return hds, nil // one commune's hamlets: no need to say whose
	}
	// Every commune's hamlets, some of the same name: each is followed
	// by its commune («Ấp 1 (xã Phú Hòa)»).
	cs, err := s.store.Communes(r.Context())
	if err != nil {
		return nil, err
	}
	notices.WithCommunes(hds, cs)
	return hds, nil
}

// scoped narrows f to the notices in scope. The approval queue (status
// pending: the dashboard's «Chờ duyệt» and /notices?status=pending, one
// rule for both) holds what the person may act on: a commune's staff
// approve their commune's notices, never the province's, which they see
// read-only in their other lists.
func (sc *scope) scoped(f notices.NoticeFilter) notices.NoticeFilter {
	f.Reaches = sc.code()
	if f.Status == notices.StatusPending && sc.Multi && !sc.Province {
		f.Reaches, f.Commune = "", sc.code()
	}
	return f
}

// scopedAlarms keeps the group alarms of the hamlets in scope (Zalo group
// ids are unique across communes).
func (s *Server) scopedAlarms(r *http.Request, as []notices.GroupAlarm) ([]notices.GroupAlarm, error) {
	sc := scopeFrom(r)
	if sc.Commune == nil {
		return as, nil
	}
	hs, err := s.store.HamletsOf(r.Context(), sc.Commune.ID)
	if err != nil {
		return nil, err
	}
	groups := make(map[string]bool, len(hs))
	for _, h := range hs {
		groups[h.GroupID] = true
	}
	var out []notices.GroupAlarm
	for _, a := range as {
		if groups[a.GroupID] {
			out = append(out, a)
		}
	}
	return out, nil
}
