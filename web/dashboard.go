package web

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// dashboardWindow is how many of the newest notices the dashboard reads.
const dashboardWindow = 200

// dashboardQueue is how many of the oldest pending notices the dashboard
// lists; the rest are a click away, on /notices?status=pending.
const dashboardQueue = 20

// dashboardData is the staff's first page.
type dashboardData struct {
	Groups     []notices.GroupAlarm // hamlets' groups that need an admin: packages, disabled, gone, full
	Damaged    []notices.Notice     // live notices that cannot be sent, with why
	Pending    []notices.Notice     // the oldest pending notices, oldest first
	Sending    []progressNotice
	Scheduled  []scheduledNotice
	Bulletin   []scheduledNotice // low notices waiting for a bulletin; Next is the bulletin's time
	Recent     []recentNotice
	Failures   []recentNotice
	CanApprove bool

	// PendingTotal counts every pending notice, Pending being the first
	// dashboardQueue of them.
	PendingTotal int
}

type scheduledNotice struct {
	Notice notices.Notice
	Next   time.Time
	SendAt time.Time // when it will really go, if later than Next (quiet hours)
}

type recentNotice struct {
	Notice   notices.Notice
	Activity *notices.Activity
	// FailedHamlets counts the hamlets whose message failed; Status says
	// so ("đã gửi, 1 ấp lỗi"), never "đã gửi xong" over a failure.
	FailedHamlets int
	Tally         notices.Tally
}

// Status is the notice's status with its failed hamlets.
func (n recentNotice) Status() string { return notices.StatusText(n.Notice.Status, n.Tally) }

// Failed counts the notice's failed deliveries.
func (n recentNotice) Failed() int { return n.Activity.Count[notices.DeliveryFailed] }

// Sent counts the notice's sent deliveries.
func (n recentNotice) Sent() int { return n.Activity.Count[notices.DeliverySent] }

// progressNotice is one notice's live per-hamlet state, as the page shows
// it and as progress.json sends it.
type progressNotice struct {
	ID          int64            `json:"id"`
	Title       string           `json:"title"`
	Status      string           `json:"status"`
	StatusLabel string           `json:"status_label"`
	Sent        int              `json:"sent"`   // hamlets fully sent
	Total       int              `json:"total"`  // hamlets concerned
	Done        bool             `json:"done"`   // nothing more will change without a person
	Failed      int              `json:"failed"` // hamlets whose message failed
	Hamlets     []progressHamlet `json:"hamlets"`
	CSRF        string           `json:"-"` // for the retry buttons of the notice page
}

type progressHamlet struct {
	ID    int64  `json:"id"`
	Code  string `json:"code"`
	Name  string `json:"name"`
	State string `json:"state"`
	Label string `json:"label"`
	Parts string `json:"parts"` // "2/3 phần"
	Error string `json:"error,omitempty"`
	// NoRetry: sending again cannot help (Zalo's -403: the OA is not in
	// the group the deliveries were made for), so no "Gửi lại" is offered.
	NoRetry bool `json:"no_retry,omitempty"`
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	ctx := r.Context()
	sc := scopeFrom(r)
	ns, err := s.store.Notices(ctx, sc.scoped(notices.NoticeFilter{Limit: dashboardWindow}))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	act, err := s.store.RecentActivity(ctx, dashboardWindow)
	if err == nil && sc.Multi {
		// The newest notices overall may be other communes': read the
		// activity of these, and of the commune's own groups only.
		ids := make([]int64, len(ns))
		for i, n := range ns {
			ids[i] = n.ID
		}
		act, err = s.store.ActivityOf(ctx, sc.id(), ids)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	live, err := s.store.LiveNotices(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	paused, err := s.store.PausedNotices(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := s.now()
	d := dashboardData{CanApprove: can(sess.User.Role, notices.RoleApprover)}
	// The approval queue, oldest first, read apart from the newest
	// notices above: however old or many, none is missing from the count.
	queue := sc.scoped(notices.NoticeFilter{Status: notices.StatusPending, OldestFirst: true, Limit: dashboardQueue})
	if d.PendingTotal, err = s.store.CountNotices(ctx, queue); err != nil {
		s.serverError(w, r, err)
		return
	}
	pending, err := s.store.Notices(ctx, queue)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, n := range pending {
		if n.Damaged == "" { // a damaged one is listed under "Cần người xử lý"
			d.Pending = append(d.Pending, n)
		}
	}
	listed := make([]int64, len(ns))
	for i := range ns {
		listed[i] = ns[i].ID
	}
	superseded, err := s.store.Superseded(ctx, listed) // withdrawn or corrected: not retried
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sending := map[int64]bool{}
	for _, n := range ns {
		a := act[n.ID]
		if n.Damaged != "" && (n.Status == notices.StatusApproved || n.Status == notices.StatusPending ||
			n.Status == notices.StatusDraft) {
			d.Damaged = append(d.Damaged, n)
			continue
		}
		if n.Status != notices.StatusPending && a != nil && a.Pending() > 0 {
			sending[n.ID] = true
		}
		if _, ok := superseded[n.ID]; !ok && a != nil && a.Count[notices.DeliveryFailed] > 0 && notices.StillSendable(&n, now) {
			d.Failures = append(d.Failures, recentNotice{Notice: n, Activity: a})
		}
		if a != nil && a.Count[notices.DeliverySent] > 0 && len(d.Recent) < 10 {
			d.Recent = append(d.Recent, recentNotice{Notice: n, Activity: a})
		}
	}
	for _, n := range live {
		if !sc.sees(n) {
			continue
		}
		if n.Damaged != "" || paused[n.ID] {
			continue // listed as damaged above, or paused: nothing of it will be sent
		}
		if n.Priority == notices.Low {
			// A low notice waits for a bulletin, not in the send queue.
			if at := s.cfg.Rules.BulletinFor(n, now); !at.IsZero() {
				d.Bulletin = append(d.Bulletin, scheduledNotice{Notice: *n, Next: at})
			}
			continue
		}
		next := s.nextDue(n, now)
		if !next.IsZero() && next.After(now) {
			sc := scheduledNotice{Notice: *n, Next: next}
			if at := s.cfg.Rules.SendAt(n.Priority, next, next); at.After(next) {
				sc.SendAt = at
			}
			d.Scheduled = append(d.Scheduled, sc)
		} else if act[n.ID] == nil && n.Recurrence == "" {
			sending[n.ID] = true // approved and due: the daemon is about to send it
		}
	}
	sort.Slice(d.Scheduled, func(i, j int) bool { return d.Scheduled[i].Next.Before(d.Scheduled[j].Next) })
	sort.Slice(d.Bulletin, func(i, j int) bool { return d.Bulletin[i].Next.Before(d.Bulletin[j].Next) })
	sort.Slice(d.Recent, func(i, j int) bool {
		return d.Recent[i].Activity.LastSentAt.After(d.Recent[j].Activity.LastSentAt)
	})
	if err := s.countFailed(r, d.Recent, d.Failures); err != nil {
		s.serverError(w, r, err)
		return
	}
	ids := make([]int64, 0, len(sending))
	for id := range sending {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	if d.Sending, err = s.progress(r, ids); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Groups, err = s.store.GroupAlarms(ctx, s.now()); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Groups, err = s.scopedAlarms(r, d.Groups); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", view{Title: "Tổng quan", Sess: sess, Nav: "dashboard", Data: d})
}

// dashboardProgress is GET /dashboard/progress.json?ids=1,2: the live
// state of the notices the dashboard shows as sending.
func (s *Server) dashboardProgress(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	var ids []int64
	for _, f := range strings.Split(r.URL.Query().Get("ids"), ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil && id > 0 && len(ids) < 50 {
			ids = append(ids, id)
		}
	}
	ps, err := s.progress(r, ids)
	if err != nil {
		s.log.Error().Err(err).Msg("progress")
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Lỗi đọc tình trạng gửi."})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": ps})
}

// progress reads the per-hamlet state of each notice in ids; unknown ids
// are left out.
func (s *Server) progress(r *http.Request, ids []int64) ([]progressNotice, error) {
	out := []progressNotice{}
	for _, id := range ids {
		n, err := s.store.Notice(r.Context(), id)
		if errors.Is(err, notices.ErrNotFound) || err == nil && !scopeFrom(r).sees(n) {
			continue // another commune's: left out as unknown
		}
		if err != nil {
			return nil, err
		}
		hds, err := s.noticeDeliveries(r, n)
		if err != nil {
			return nil, err
		}
		p := s.liveProgress(n, hds)
		if _, err := s.noRetryIfSuperseded(r, n, &p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func progressOf(n *notices.Notice, hds []notices.HamletDeliveries) progressNotice {
	p := progressNotice{ID: n.ID, Title: n.Title, Status: string(n.Status), StatusLabel: n.Status.Label(),
		Total: len(hds), Hamlets: []progressHamlet{}}
	final := n.Status != notices.StatusApproved && n.Status != notices.StatusPending
	failed, left := 0, 0 // hamlets whose message failed, and still to go
	p.Done = true
	for _, hd := range hds {
		st := hd.State()
		h := progressHamlet{ID: hd.Hamlet.ID, Code: hd.Hamlet.Code, Name: hd.Hamlet.Name, State: string(st), Label: st.Label()}
		h.Parts = hd.PartsText("phần") // per occurrence for a recurring notice
		if st == notices.DeliveryFailed || st == notices.DeliveryRetry || st == notices.DeliverySkipped {
			h.Error = hd.Error
		}
		h.NoRetry = st == notices.DeliveryFailed && hd.ErrorCode == -403
		if st == notices.DeliveryFailed {
			failed++
		}
		if st == notices.DeliveryQueued || st == notices.DeliveryRetry || st == notices.DeliverySending ||
			st == "" && !final && !n.LastDueAt.IsZero() && n.Recurrence == "" {
			left++ // still to go (st "": its occurrence made but not its delivery, e.g. held for a bulletin)
		}
		switch st {
		case notices.DeliverySent:
			p.Sent++
		case notices.DeliveryFailed, notices.DeliverySkipped:
		default:
			if !final || st != "" {
				p.Done = false
			}
		}
		p.Hamlets = append(p.Hamlets, h)
	}
	if n.Status == notices.StatusPending || n.Recurrence != "" && n.Status == notices.StatusApproved {
		p.Done = false
	}
	p.Failed = failed
	p.StatusLabel = notices.StatusText(n.Status, notices.Tally{Failed: failed, Reached: p.Sent, Left: left})
	return p
}
