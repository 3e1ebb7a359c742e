package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// auditData is the audit log page with its filter.
type auditData struct {
	Entries []notices.AuditEntry
	Actor   string
	Action  string
	Notice  string
	From    string // 2006-01-02, in the commune zone
	To      string // inclusive
	Actions [][2]string
	Errs    fieldErrs
	More    bool
	Page    int
	// Targets are the user names many failed sign-ins were tried for
	// lately: someone may be guessing their passwords.
	Targets []notices.LoginTarget

	names auditNames // for the details
	loc   *time.Location
}

// Detail is an entry's detail as staff read it (audittext.go).
func (d auditData) Detail(e notices.AuditEntry) string { return auditDetail(e, d.names, d.loc) }

// ExportURL is the CSV of the log with the same filter.
func (d auditData) ExportURL() string {
	return strings.Replace(d.PageURL(1), "/audit?", "/audit.csv?", 1)
}

const auditPageSize = 100

// auditFilter reads the audit page's filter from the query; d.Errs says
// what was wrong with it.
func (s *Server) auditFilter(r *http.Request) (auditData, notices.AuditFilter) {
	q := r.URL.Query()
	d := auditData{Actor: strings.TrimSpace(q.Get("actor")), Action: q.Get("action"), Notice: strings.TrimSpace(q.Get("notice")),
		From: q.Get("from"), To: q.Get("to"), Errs: fieldErrs{}}
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = max(d.Page, 1)
	f := notices.AuditFilter{Actor: d.Actor, Action: d.Action, Limit: auditPageSize + 1, Offset: (d.Page - 1) * auditPageSize,
		CommuneID: scopeFrom(r).id()}
	if d.Notice != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(d.Notice, "#"), 10, 64)
		if err != nil || id <= 0 {
			d.Errs.add("notice", "Số thông báo phải là một số, ví dụ 12.")
		}
		f.NoticeID = id
	}
	f.Since, f.Until = dayRange(d.From, d.To, s.cfg.Location, d.Errs)
	d.From, d.To = validDay(d.From), validDay(d.To)
	return d, f
}

// auditPage lists who did what, when; filterable by actor, action,
// notice and dates.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	d, f := s.auditFilter(r)
	if !s.auditNoticeInScope(w, r, f) {
		return
	}
	for a, l := range actionLabels {
		d.Actions = append(d.Actions, [2]string{a, l})
	}
	sort.Slice(d.Actions, func(i, j int) bool { return d.Actions[i][1] < d.Actions[j][1] })
	names, err := s.auditNames(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.names = names
	d.loc = s.cfg.Location
	ts, err := s.store.LoginTargets(r.Context(), attackAlarm, s.now().Add(-failureForget))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if sc := scopeFrom(r); sc.Commune != nil {
		// A commune's staff hear of attacks on their own commune's accounts.
		var mine []notices.LoginTarget
		for _, lt := range ts {
			if u, err := s.store.UserByName(r.Context(), lt.User); err == nil && sc.seesUser(u) {
				mine = append(mine, lt)
			}
		}
		ts = mine
	}
	d.Targets = ts
	status := http.StatusOK
	if len(d.Errs) == 0 {
		es, err := s.store.Audit(r.Context(), f)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if len(es) > auditPageSize {
			es, d.More = es[:auditPageSize], true
		}
		d.Entries = es
	} else {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "audit", view{Title: "Nhật ký", Sess: sess, Nav: "audit", Data: d})
}

// PageURL is the audit URL of another page with the same filter.
func (d auditData) PageURL(page int) string {
	v := make([]string, 0, 6)
	add := func(k, val string) {
		if val != "" {
			v = append(v, k+"="+url.QueryEscape(val))
		}
	}
	add("actor", d.Actor)
	add("action", d.Action)
	add("notice", d.Notice)
	add("from", d.From)
	add("to", d.To)
	add("page", strconv.Itoa(page))
	return "/audit?" + strings.Join(v, "&")
}

// auditNoticeInScope answers 404 when the filter names a notice of another
// commune, and reports whether it does not.
func (s *Server) auditNoticeInScope(w http.ResponseWriter, r *http.Request, f notices.AuditFilter) bool {
	if f.NoticeID == 0 || scopeFrom(r).Commune == nil {
		return true
	}
	n, err := s.store.Notice(r.Context(), f.NoticeID)
	return s.foundInScope(w, r, err, err == nil && scopeFrom(r).sees(n))
}

// foundInScope answers for a lookup that gave err and, when it found the
// row, whether the row is in the scope shown: 404 for none or another
// commune's, 500 for a failed read. It reports whether to go on.
func (s *Server) foundInScope(w http.ResponseWriter, r *http.Request, err error, inScope bool) bool {
	switch {
	case errors.Is(err, notices.ErrNotFound), err == nil && !inScope:
		s.notFound(w, r)
		return false
	case err != nil:
		s.serverError(w, r, err)
		return false
	}
	return true
}

// auditNames reads the names the log's details refer to.
func (s *Server) auditNames(r *http.Request) (auditNames, error) {
	hs, err := s.scopedHamlets(r)
	if err != nil {
		return auditNames{}, err
	}
	cs, err := s.store.Communes(r.Context())
	if err != nil {
		return auditNames{}, err
	}
	return newAuditNames(hs, cs), nil
}
