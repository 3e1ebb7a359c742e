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
	return s.cfg.Commune
}
