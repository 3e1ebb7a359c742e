package web

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// noticeData is a notice's page.
type noticeData struct {
	Notice     *notices.Notice
	Original   *notices.Notice
	Timeline   []timelineItem
	Progress   progressNotice
	Parts      []string
	Next       []time.Time
	CanApprove bool
	SelfNote   string // why this approver may not approve it
	CanCancel  bool
	CanRetry   bool
	RetryNote  string // why its failed hamlets are not retried: a withdrawal or correction went out
	CanCorrect bool
	FollowUps  []notices.Notice // corrections and withdrawals that refer to it
	Reach      notices.Reach    // groups sent to and their members at send time
	BulletinAt time.Time        // a low notice: the bulletin Parts shows, which will carry it

	// Staff workflows (edit.go, pause.go, testsend.go).
	CanEdit     bool
	CanSubmit   bool // a draft or rejected notice, sent for approval as it is
	Pause       notices.Pause
	CanPause    bool
	CanResume   bool
	CanTest     bool
	TestHamlets []notices.Hamlet // the staff test groups "Gửi thử" may go to

	ReadOnly bool   // a province notice shown to a commune's staff
	Targets  string // where it goes, by name (targets.go)
	// Unreached: a withdrawal's target hamlets that never got the original,
	// so that nothing is sent to them (withdrawwhere.go).
	Unreached []string
}

type timelineItem struct {
	At    time.Time
	Text  string
	Class string // ok, bad, skip, or empty
}

func (s *Server) loadNotice(w http.ResponseWriter, r *http.Request) *notices.Notice {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil
	}
	n, err := s.store.Notice(r.Context(), id)
	if errors.Is(err, notices.ErrNotFound) {
		s.notFound(w, r)
		return nil
	}
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	if !scopeFrom(r).sees(n) {
		s.notFound(w, r) // another commune's: not revealed
		return nil
	}
	return n
}

// loadNoticeToAct is loadNotice for a page or action that changes the
// notice: a commune's staff only read the province's notices.
func (s *Server) loadNoticeToAct(w http.ResponseWriter, r *http.Request) *notices.Notice {
	n := s.loadNotice(w, r)
	if n != nil && !scopeFrom(r).acts(n) {
		s.errorPage(w, r, http.StatusForbidden, "Đây là thông báo cấp tỉnh: cán bộ xã chỉ xem được, không sửa, duyệt, "+
			"hủy hay gửi lại được. Hãy liên hệ cán bộ cấp tỉnh.")
		return nil
	}
	return n
}

func (s *Server) noticePage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNotice(w, r)
	if n == nil {
		return
	}
	ctx := r.Context()
	d := noticeData{Notice: n}
	opt := notices.RenderOptions{Commune: s.footer(r, n), Location: s.cfg.Location}
	if n.RefersTo != 0 {
		if orig, err := s.store.Notice(ctx, n.RefersTo); err == nil {
			d.Original, opt.RefersTo = orig, orig
		}
	}
	d.Parts = notices.RenderParts(n, opt)
	var err error
	if d.Targets, err = s.whereText(ctx, n, "tất cả thôn/ấp đang hoạt động"); err != nil {
		s.serverError(w, r, err)
		return
	}
	if n.Priority == notices.Low && (n.Status == notices.StatusPending || n.Status == notices.StatusApproved) {
		at, parts, err := s.bulletinPreview(r, n)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if parts != nil {
			d.BulletinAt, d.Parts = at, parts
		}
	}
	if d.Unreached, err = s.withdrawalUnreached(r, n); err != nil {
		s.serverError(w, r, err)
		return
	}
	followUps, err := s.store.Notices(ctx, notices.NoticeFilter{RefersTo: n.ID})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.FollowUps = followUps
	hds, err := s.noticeDeliveries(r, n)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Progress = s.liveProgress(n, hds)
	waits, err := s.store.RetryWaits(ctx, []int64{n.ID})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Progress.StatusLabel = withRetryWait(d.Progress.StatusLabel, n, d.Progress.Failed, waits[n.ID], s.cfg.Location)
	if d.RetryNote, err = s.noRetryIfSuperseded(r, n, &d.Progress); err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Reach = notices.ReachOf(hds)
	d.Progress.CSRF = sess.CSRFToken
	for _, h := range d.Progress.Hamlets {
		if h.State == string(notices.DeliveryFailed) && !h.NoRetry && notices.StillSendable(n, s.now()) {
			d.CanRetry = true
		}
	}
	if d.Timeline, err = s.timeline(r, n, d.Progress.Failed); err != nil {
		s.serverError(w, r, err)
		return
	}
	if n.Recurrence != "" && n.Status == notices.StatusApproved {
		d.Next = s.cfg.Rules.NextDueN(n, s.now(), 5)
	}
	user := sess.User
	if n.Status == notices.StatusPending && can(user.Role, notices.RoleApprover) {
		if n.Damaged != "" {
			d.SelfNote = "Thông báo này bị hỏng nên không duyệt được; hãy dừng nó và viết lại thông báo mới."
		} else if !s.cfg.SelfApprove && strings.EqualFold(n.Author, user.Username) {
			d.SelfNote = "Bạn là người viết thông báo này nên không tự duyệt được; hãy nhờ một người duyệt khác."
		} else {
			d.CanApprove = true
		}
	}
	d.CanCancel = s.mayCancel(user, n)
	if n.Kind != notices.KindCancel && n.Published() {
		// Only a notice residents have seen may be corrected or withdrawn.
		msg, err := s.store.CanReferTo(r.Context(), n.ID, notices.KindUpdate)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.CanCorrect = msg == ""
	}
	if err := s.workflowData(r, user, n, &d); err != nil {
		s.serverError(w, r, err)
		return
	}
	if !scopeFrom(r).acts(n) {
		// A province notice shown to a commune's staff: read-only.
		d.CanApprove, d.CanCancel, d.CanRetry, d.CanCorrect, d.SelfNote = false, false, false, false, ""
		d.CanEdit, d.CanSubmit, d.CanPause, d.CanResume, d.CanTest = false, false, false, false, false
		d.ReadOnly = true
	}
	s.render(w, r, http.StatusOK, "notice", view{Title: "Thông báo số " + strconv.FormatInt(n.ID, 10), Sess: sess,
		Nav: "notices", Data: d})
}

// mayCancel: an approver or admin may cancel any live notice; an editor
// only their own.
func (s *Server) mayCancel(u notices.User, n *notices.Notice) bool {
	switch n.Status {
	case notices.StatusDraft, notices.StatusPending, notices.StatusApproved:
	default:
		return false
	}
	return can(u.Role, notices.RoleApprover) || strings.EqualFold(n.Author, u.Username)
}

// timeline merges the notice's audit entries and its occurrences.
// failed is how many hamlets' messages failed: "done" then says so.
func (s *Server) timeline(r *http.Request, n *notices.Notice, failed int) ([]timelineItem, error) {
	es, err := s.store.Audit(r.Context(), notices.AuditFilter{NoticeID: n.ID, Limit: 500})
	if err != nil {
		return nil, err
	}
	// The log comes newest first; the timeline reads oldest first, in the
	// order the entries were written (their ids): several actions often
	// fall within the same second.
	slices.Reverse(es)
	var items []timelineItem
	for _, e := range es {
		it := timelineItem{At: e.At}
		switch e.Action {
		case "notice.create":
			it.Text = "Tạo bởi " + e.Actor
		case "notice.approve":
			it.Text, it.Class = "Duyệt bởi "+e.Actor, "ok"
		case "notice.reject":
			it.Text, it.Class = "Bị từ chối bởi "+e.Actor+": "+e.Detail, "bad"
		case "notice.cancel":
			it.Text, it.Class = "Hủy bởi "+e.Actor, "bad"
			if e.Detail != "" {
				it.Text += ": " + e.Detail
			}
		case "notice.retry":
			it.Text = "Gửi lại " + e.Detail + " tin lỗi, theo yêu cầu của " + e.Actor
		case "notice.done":
			it.Text, it.Class = "Đã gửi xong", "ok"
			if failed > 0 {
				it.Text, it.Class = "Đã gửi, "+strconv.Itoa(failed)+" ấp lỗi", "bad"
			}
		case "notice.expired":
			it.Text, it.Class = "Hết hạn", "skip"
		case "notice.edit":
			it.Text = "Sửa bởi " + e.Actor
			if e.Detail == string(notices.StatusDraft) {
				it.Text += " (lưu nháp)"
			}
		case "notice.submit":
			it.Text = "Gửi đi chờ duyệt bởi " + e.Actor
		case "notice.pause":
			it.Text, it.Class = "Tạm dừng bởi "+e.Actor, "skip"
		case "notice.resume":
			it.Text, it.Class = "Cho tiếp tục bởi "+e.Actor, "ok"
		case "notice.test":
			it.Text = "Gửi thử bởi " + e.Actor + ": " + e.Detail
		case "notice.test_result":
			it.Text = "Kết quả gửi thử: " + e.Detail
		default:
			it.Text = actionLabel(e.Action) + " (" + e.Actor + ")"
		}
		items = append(items, it)
	}
	occ, err := s.store.Occurrences(r.Context(), n.ID)
	if err != nil {
		return nil, err
	}
	var occItems []timelineItem
	for _, o := range occ {
		it := timelineItem{At: o.DueAt}
		switch o.Status {
		case notices.OccurrenceQueued:
			it.Text = "Đến lượt gửi: đã đưa vào hàng đợi gửi tới các nhóm"
		case notices.OccurrenceHeld:
			it.Text = "Đến lượt gửi: chờ bản tin kế tiếp (ưu tiên thấp)"
			if at := s.cfg.Rules.SendAt(notices.Low, o.DueAt, s.now()); !at.IsZero() {
				it.Text = "Đến lượt gửi: vào bản tin " + dateVN(at, s.cfg.Location) + " (ưu tiên thấp)"
			}
		case notices.OccurrenceBulletined:
			it.Text, it.Class = "Đã đưa vào bản tin", "ok"
		case notices.OccurrenceSkipped:
			it.Text, it.Class = "Bỏ qua lượt gửi này", "skip"
			if o.Reason != "" {
				it.Text += ": " + o.Reason
			}
		default:
			it.Text = "Lượt gửi: " + o.Status
		}
		occItems = append(occItems, it)
	}
	return mergeTimeline(items, occItems), nil
}

// noticeProgress is GET /notices/{id}/progress.json for the live table.
func (s *Server) noticeProgress(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	id, ok := pathID(r)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Không có thông báo này."})
		return
	}
	ps, err := s.progress(r, []int64{id})
	if err != nil || len(ps) == 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Không có thông báo này."})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": ps})
}

// actionDone answers a notice action: back to its page with msg, or
// with the store's refusal.
func (s *Server) actionDone(w http.ResponseWriter, r *http.Request, n *notices.Notice, msg string, err error) {
	to := "/notices/" + strconv.FormatInt(n.ID, 10)
	var fe notices.FieldErrors
	switch {
	case err == nil:
		s.redirect(w, r, to, msg)
	case errors.As(err, &fe):
		s.redirect(w, r, to, "Không thực hiện được: "+fe[0].Msg)
	default:
		s.serverError(w, r, err)
	}
}

func (s *Server) noticeApprove(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if n := s.loadNoticeToAct(w, r); n != nil {
		id := strconv.FormatInt(n.ID, 10)
		v := r.PostFormValue("version")
		if v == "" {
			// Not from the confirmation page: send the approver there.
			s.redirect(w, r, "/notices/"+id+"/approve", "Chưa duyệt: việc duyệt phải được xác nhận trên trang này, "+
				"sau khi đọc lại thông báo. Hãy đọc rồi bấm «Xác nhận duyệt và cho gửi».")
			return
		}
		if v != version(n) {
			s.redirect(w, r, "/notices/"+id, "Chưa duyệt: thông báo vừa được sửa sau khi bạn mở trang xác nhận; "+
				"hãy đọc lại bản mới rồi duyệt.")
			return
		}
		err := s.store.ApproveNoticeVersion(r.Context(), n.ID, sess.User.Username, s.cfg.SelfApprove, v)
		s.actionDone(w, r, n, "Đã duyệt. Thông báo sẽ được gửi đúng hẹn.", err)
	}
}

func (s *Server) noticeReject(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if n := s.loadNoticeToAct(w, r); n != nil {
		err := s.store.RejectNotice(r.Context(), n.ID, sess.User.Username, r.PostFormValue("reason"))
		s.actionDone(w, r, n, "Đã từ chối; người viết sẽ thấy lý do.", err)
	}
}

func (s *Server) noticeCancel(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return
	}
	if !can(sess.User.Role, notices.RoleApprover) && !strings.EqualFold(n.Author, sess.User.Username) {
		s.errorPage(w, r, http.StatusForbidden, "Chỉ người viết hoặc người duyệt mới hủy được thông báo này.")
		return
	}
	skipped, err := s.store.CancelNotice(r.Context(), n.ID, sess.User.Username, r.PostFormValue("reason"))
	msg := "Đã hủy thông báo."
	if skipped > 0 {
		msg += " " + strconv.Itoa(skipped) + " tin chưa gửi sẽ không gửi nữa."
	}
	s.actionDone(w, r, n, msg, err)
}

func (s *Server) noticeRetry(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return
	}
	var count int
	var err error
	if h, _ := strconv.ParseInt(r.PostFormValue("hamlet"), 10, 64); h > 0 {
		count, err = s.store.RetryHamlet(r.Context(), n.ID, h, sess.User.Username)
	} else {
		count, err = s.store.RetryNotice(r.Context(), n.ID, sess.User.Username)
	}
	msg := "Không có tin lỗi nào để gửi lại."
	if count > 0 {
		msg = "Đang gửi lại " + strconv.Itoa(count) + " tin."
	}
	s.actionDone(w, r, n, msg, err)
}

// mergeTimeline merges the log's items (in the order they were written)
// with the occurrences' (by due time), keeping each list's own order: an
// occurrence goes before the first log item that comes after it.
func mergeTimeline(log, occ []timelineItem) []timelineItem {
	sort.SliceStable(occ, func(i, j int) bool { return occ[i].At.Before(occ[j].At) })
	out := make([]timelineItem, 0, len(log)+len(occ))
	for len(log) > 0 && len(occ) > 0 {
		if occ[0].At.Before(log[0].At) {
			out, occ = append(out, occ[0]), occ[1:]
		} else {
			out, log = append(out, log[0]), log[1:]
		}
	}
	return append(append(out, log...), occ...)
}
