package web

import (
	"net/http"

	"github.com/loaxa/loaxa/notices"
)

// footer is the name that signs n's messages, as the daemon signs them
// (see signer).
func (s *Server) footer(r *http.Request, n *notices.Notice) string {
	return s.signer(scopeFrom(r).Communes, n.Commune, n.CommuneID)
}

// signer is the name that signs the messages of a notice of commune code
// (of id; 0 for a notice being written, found by its code) among the
// communes cs, as the daemon signs them: with one commune Config.Commune;
// with several, a province notice with the province's name
// (provinceName), any other with its commune's name (notices.Signer). The staff pages (the
// compose preview, test sends) and the public notice page all ask here.
func (s *Server) signer(cs []notices.Commune, code string, id int64) string {
	var name string
	for _, c := range cs {
		if id != 0 && c.ID == id || id == 0 && c.Code == code {
			name = c.Name
		}
	}
	return notices.Signer(len(cs), code == notices.Province, name, s.cfg.Commune, s.cfg.Province)
}

// provinceName titles the province's public page (notices.ProvinceName).
func (c Config) provinceName() string { return notices.ProvinceName(c.Province) }

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
