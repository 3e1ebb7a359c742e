package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// noticePageSize is how many notices one page of /notices shows.
const noticePageSize = 50

// noticeListData is /notices: every notice, filtered, a page at a time.
type noticeListData struct {
	Notices    []notices.Notice
	Hamlets    []notices.Hamlet
	Authors    []string
	Categories []string
	Statuses   []notices.Status
	Kinds      []notices.Kind

	Status, Hamlet, Text, Kind, Category, Author string
	From, To                                     string // 2006-01-02, in the commune zone; To inclusive

	Errs   fieldErrs
	Failed map[int64]notices.Tally // hamlets failed, reached and left, by notice
	Retry  map[int64]time.Time     // when a failed message is sent again, by notice
	loc    *time.Location
	Page   int
	Pages  int
	Total  int
	Oldest bool // the approval queue: oldest first
}

// StatusOf is n's status as the list shows it, with its failed hamlets.
func (d noticeListData) StatusOf(n notices.Notice) string {
	return withRetryWait(notices.StatusText(n.Status, d.Failed[n.ID]), &n, d.Failed[n.ID].Failed, d.Retry[n.ID], d.loc)
}

// Filtered says whether a filter other than the search is set (or
// refused): the page then shows the filters open.
func (d noticeListData) Filtered() bool {
	return d.Status != "" || d.Hamlet != "" || d.Kind != "" || d.Category != "" || d.Author != "" ||
		d.From != "" || d.To != "" || len(d.Errs) > 0
}

// First and Last number the notices this page shows, from 1.
func (d noticeListData) First() int { return (d.Page-1)*noticePageSize + 1 }

// Last is the number of the page's last notice.
func (d noticeListData) Last() int { return d.First() + len(d.Notices) - 1 }

// PageURL is /notices with the same filter, at another page.
func (d noticeListData) PageURL(page int) string {
	v := url.Values{}
	for k, val := range map[string]string{"status": d.Status, "hamlet": d.Hamlet, "q": d.Text, "kind": d.Kind,
		"category": d.Category, "author": d.Author, "from": d.From, "to": d.To} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/notices"
	}
	return "/notices?" + v.Encode()
}

// dayRange reads a from/to pair of dates (2006-01-02, to inclusive) in
// loc, adding a plain-language error to errs for each bad one.
func dayRange(from, to string, loc *time.Location, errs fieldErrs) (since, until time.Time) {
	if from != "" {
		t, err := time.ParseInLocation("2006-01-02", from, loc)
		if err != nil {
			errs.add("from", "Ngày không hợp lệ; hãy chọn ngày trên lịch.")
		}
		since = t
	}
	if to != "" {
		t, err := time.ParseInLocation("2006-01-02", to, loc)
		if err != nil {
			errs.add("to", "Ngày không hợp lệ; hãy chọn ngày trên lịch.")
		} else {
			until = t.AddDate(0, 0, 1)
		}
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		errs.add("to", "Ngày kết thúc phải từ ngày bắt đầu trở đi.")
	}
	return since, until
}

// validDay is v when it is a date as an <input type=date> holds it, else "".
func validDay(v string) string {
	if _, err := time.Parse("2006-01-02", v); err != nil {
		return ""
	}
	return v
}

func (s *Server) noticeList(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	d := noticeListData{Status: get("status"), Hamlet: get("hamlet"), Text: get("q"), Kind: get("kind"),
		Category: get("category"), Author: get("author"), From: get("from"), To: get("to"), Errs: fieldErrs{},
		Statuses: []notices.Status{notices.StatusDraft, notices.StatusPending, notices.StatusApproved, notices.StatusDone,
			notices.StatusRejected, notices.StatusCancelled, notices.StatusExpired},
		Kinds: []notices.Kind{notices.KindNotice, notices.KindUpdate, notices.KindCancel}}
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = max(d.Page, 1)
	ctx := r.Context()
	var err error
	if d.Hamlets, err = s.scopedHamlets(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Authors, err = s.store.NoticeAuthors(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Categories, err = s.store.NoticeCategories(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	f := scopeFrom(r).scoped(notices.NoticeFilter{Status: notices.Status(d.Status), Hamlet: d.Hamlet, Text: d.Text, Kind: notices.Kind(d.Kind),
		Category: d.Category, Author: d.Author, Limit: noticePageSize, Offset: (d.Page - 1) * noticePageSize})
	if d.Status != "" && notices.Status(d.Status).Label() == d.Status {
		d.Errs.add("status", "Trạng thái này không có; hãy chọn trong danh sách.")
	}
	switch notices.Kind(d.Kind) {
	case "", notices.KindNotice, notices.KindUpdate, notices.KindCancel:
	default:
		d.Errs.add("kind", "Loại này không có; hãy chọn trong danh sách.")
	}
	if d.Hamlet != "" {
		known := false
		for _, h := range d.Hamlets {
			known = known || h.Code == d.Hamlet
		}
		if !known {
			d.Errs.add("hamlet", "Không có thôn/ấp nào mang mã này; hãy chọn trong danh sách.")
		}
	}
	f.Since, f.Until = dayRange(d.From, d.To, s.cfg.Location, d.Errs)
	d.From, d.To = validDay(d.From), validDay(d.To) // a date input shows only a date; the error says what was typed wrong
	// The approval queue reads oldest first: whoever waited longest is seen first.
	d.Oldest = f.Status == notices.StatusPending
	f.OldestFirst = d.Oldest
	status := http.StatusOK
	if len(d.Errs) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		if d.Total, err = s.store.CountNotices(ctx, f); err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Pages = max((d.Total+noticePageSize-1)/noticePageSize, 1)
		if d.Notices, err = s.store.Notices(ctx, f); err != nil {
			s.serverError(w, r, err)
			return
		}
		ids := make([]int64, len(d.Notices))
		for i, n := range d.Notices {
			ids[i] = n.ID
		}
		if d.Failed, err = s.store.Tallies(ctx, ids); err != nil {
			s.serverError(w, r, err)
			return
		}
		if d.Retry, err = s.store.RetryWaits(ctx, ids); err != nil {
			s.serverError(w, r, err)
			return
		}
		d.loc = s.cfg.Location
	}
	s.render(w, r, status, "notices", view{Title: "Thông báo", Sess: sess, Nav: "notices", Data: d})
}
