package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// The compose page with several communes. A notice is written in the
// commune shown (a commune's staff: their own); at toàn tỉnh, a province
// account writes a province notice, for every commune, a list of
// communes, or chosen hamlets across communes ("commune/hamlet"). An
// edited notice keeps its commune, and a correction or withdrawal takes
// its original's.

// composeHamlets fills d's commune fields and returns the hamlets its
// targets are chosen from.
func (s *Server) composeHamlets(r *http.Request, d *composeData) ([]notices.Hamlet, error) {
	sc := scopeFrom(r)
	d.Multi = sc.Multi
	if !sc.Multi {
		return s.store.Hamlets(r.Context())
	}
	commune := sc.code()
	switch {
	case d.Editing != nil:
		commune = d.Editing.Commune
	case d.Original != nil:
		commune = d.Original.Commune
	}
	if commune == "" || commune == notices.Province {
		d.Province, d.Communes = true, sc.Communes
		if d.Form.TargetMode == "list" && len(d.Form.Targets) > 0 && !strings.Contains(strings.Join(d.Form.Targets, ","), "/") {
			// A stored province notice aimed at whole communes.
			d.Form.TargetMode, d.Form.Communes, d.Form.Targets = "communes", d.Form.Targets, nil
		}
		return s.store.Hamlets(r.Context())
	}
	d.Commune = sc.find(commune)
	if d.Commune == nil {
		return nil, nil
	}
	return s.store.HamletsOf(r.Context(), d.Commune.ID)
}

// targetOf is how the form names h: its code, or in a province notice
// "commune/code".
func (d composeData) targetOf(h notices.Hamlet) string {
	if d.Province {
		return h.Commune + "/" + h.Code
	}
	return h.Code
}

// CommuneName names a commune code for the form.
func (d composeData) CommuneName(code string) string {
	for _, c := range d.Communes {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}

// composeCommune sets the commune of the notice n being saved, and checks
// that a correction's original may be referred to from here; false: the
// original is not in scope (answer 404).
func (s *Server) composeCommune(r *http.Request, n *notices.Notice, editing *notices.Notice, errs fieldErrs) bool {
	sc := scopeFrom(r)
	if n.RefersTo != 0 && editing == nil {
		orig, err := s.store.Notice(r.Context(), n.RefersTo)
		if err != nil || !sc.acts(orig) {
			if err == nil {
				return false
			}
			errs.add("refers_to", "Không có thông báo gốc số "+strconv.FormatInt(n.RefersTo, 10)+".")
		}
		return true // the store gives it its original's commune
	}
	if !sc.Multi || editing != nil {
		return true // one commune; or an edit, which keeps its commune
	}
	n.Commune = sc.code()
	if n.Commune == "" {
		n.Commune = notices.Province // a province account at toàn tỉnh
	}
	return true
}
