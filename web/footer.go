package web

import (
	"net/http"

	"github.com/loaxa/loaxa/notices"
)

// footer is the name that signs n's messages, as the daemon signs them:
// with one commune Config.Commune; with several the province's name for a
// province notice, else its commune's name.
func (s *Server) footer(r *http.Request, n *notices.Notice) string {
	sc := scopeFrom(r)
	if !sc.Multi {
		return s.cfg.Commune
	}
	if n.Commune == notices.Province {
		if s.cfg.Province != "" {
			return s.cfg.Province
		}
		return "UBND tỉnh"
	}
	if c := sc.communeByID(n.CommuneID); c != nil {
		return c.Name
	}
	if c := sc.find(n.Commune); n.CommuneID == 0 && c != nil {
		return c.Name // a notice being written: its commune by code
	}
	return s.cfg.Commune
}

// composeFooter is the name that will sign n, a notice being written or
// edited (editing: the stored one, or nil): a follow-up's is its
// original's commune's, an edit's the edited notice's, a new notice's the
// commune in scope (none: the province's).
func (s *Server) composeFooter(r *http.Request, n, editing *notices.Notice) string {
	sc := scopeFrom(r)
	if !sc.Multi {
		return s.cfg.Commune
	}
	if editing != nil {
		return s.footer(r, editing)
	}
	if n.RefersTo != 0 {
		if orig, err := s.store.Notice(r.Context(), n.RefersTo); err == nil && sc.acts(orig) {
			return s.footer(r, orig)
		}
	}
	cp := *n
	if cp.Commune == "" {
		cp.Commune, cp.CommuneID = sc.code(), 0
		if cp.Commune == "" {
			cp.Commune = notices.Province
		}
	}
	return s.footer(r, &cp)
}
