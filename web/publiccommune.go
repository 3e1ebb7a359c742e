package web

import (
	"context"
	"net/http"

	"github.com/loaxa/loaxa/notices"
)

// The public pages with several communes. /public is the province's page:
// every commune's notices and the province's, each naming its commune,
// with links to each commune's page; its ?hamlet= filter is a commune
// page's, since a hamlet code names a hamlet only within its commune.
// /public/c/CODE is commune CODE's page: its own notices and the
// province's that reached its groups, with its hamlet filter; each has its
// own Atom feed (…/feed.atom). An unknown or disabled commune is a 404 in
// the residents' layout. With one commune, /public/c/CODE is a 404 too and
// /public is exactly as before.

// publicScope is what one public page lists.
type publicScope struct {
	multi    bool
	commune  *notices.Commune // nil: every commune
	communes []notices.Commune
	base     string // /public, or /public/c/CODE
}

// publicScopeOf reads the page's commune from the path, answering 404 for
// an unknown or disabled one (ok false).
func (s *Server) publicScopeOf(w http.ResponseWriter, r *http.Request) (*publicScope, bool) {
	cs, err := s.store.Communes(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	ps := &publicScope{multi: len(cs) > 1, communes: cs, base: "/public"}
	code := r.PathValue("code")
	if code == "" {
		return ps, true
	}
	for i := range cs {
		if cs[i].Code == code && cs[i].Active && ps.multi {
			ps.commune, ps.base = &cs[i], "/public/c/"+cs[i].Code
			return ps, true
		}
	}
	s.errorPage(w, r, http.StatusNotFound, "Không có xã, phường nào mang mã «"+code+"» trên trang này. "+
		"Hãy xem danh sách các xã ở trang Thông báo.")
	return nil, false
}

// hamlets are the hamlets the page's filter offers: none on the
// province's page.
func (ps *publicScope) hamlets(ctx context.Context, store *notices.Store) ([]notices.Hamlet, error) {
	switch {
	case !ps.multi:
		return store.Hamlets(ctx)
	case ps.commune != nil:
		return store.HamletsOf(ctx, ps.commune.ID)
	}
	return nil, nil
}

// publicNotices lists the page's sent notices.
func (s *Server) publicNotices(r *http.Request, ps *publicScope, hamletID int64, limit, offset int) ([]notices.PublicNotice, error) {
	if !ps.multi {
		return s.store.PublicNotices(r.Context(), hamletID, limit, offset)
	}
	// The store names, on a commune's page, that commune's hamlets only.
	var commune int64
	if ps.commune != nil {
		commune = ps.commune.ID
	}
	return s.store.PublicNoticesOf(r.Context(), commune, hamletID, limit, offset)
}

// name is the page's name: its commune's; with one commune the site's
// (LOAXA_COMMUNE); the province's page, LOAXA_PROVINCE's.
func (ps *publicScope) name(cfg Config) string {
	switch {
	case ps.commune != nil:
		return ps.commune.Name
	case !ps.multi:
		return cfg.Commune
	}
	return cfg.provinceName()
}

// find is the commune of code, or nil.
func (ps *publicScope) find(code string) *notices.Commune {
	for i := range ps.communes {
		if ps.communes[i].Code == code {
			return &ps.communes[i]
		}
	}
	return nil
}

// active lists the communes that have a page.
func (ps *publicScope) active() []notices.Commune {
	var out []notices.Commune
	for _, c := range ps.communes {
		if c.Active {
			out = append(out, c)
		}
	}
	return out
}

// communeName names a notice's commune on the province's page; "" on a
// commune's page and with one commune.
func (ps *publicScope) communeName(code string) string {
	if !ps.multi || ps.commune != nil {
		return ""
	}
	if code == notices.Province {
		return "Cả tỉnh"
	}
	if c := ps.find(code); c != nil {
		return c.Name
	}
	return code
}

// suffix names a notice's commune in the province feed's entry titles.
func (ps *publicScope) suffix(code string) string {
	if n := ps.communeName(code); n != "" {
		return " (" + n + ")"
	}
	return ""
}
