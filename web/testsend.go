package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// groupSender is what a test send needs of the Zalo client: the very
// calls the dispatcher sends with (*bot.Client has them), so that a test
// send goes the way real sends go.
type groupSender interface {
	SendGroupText(ctx context.Context, groupID, text string) (messageID string, err error)
	SendGroupImage(ctx context.Context, groupID, attachmentID, caption string) (messageID string, err error)
	UploadImage(ctx context.Context, filename string, data []byte) (attachmentID string, err error)
}

// testSendable reports whether a notice may be test-sent: before approval.
func testSendable(n *notices.Notice) bool {
	switch n.Status {
	case notices.StatusDraft, notices.StatusPending, notices.StatusRejected:
		return n.Damaged == ""
	}
	return false
}

// noticeTestSend is POST /notices/{id}/test ("Gửi thử"): the notice's
// message, as the daemon would render it, goes to a hamlet marked as the
// staff test group, now. It is recorded in the audit log (before the send,
// then with Zalo's answer) and is no delivery: nothing is counted, and the
// notice's own sending is untouched.
func (s *Server) noticeTestSend(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return
	}
	back := "/notices/" + strconv.FormatInt(n.ID, 10)
	ctx := r.Context()
	if !testSendable(n) {
		s.redirect(w, r, back, "Chỉ gửi thử được bản nháp, thông báo chờ duyệt hoặc bị từ chối; thông báo này đang ở trạng thái «"+
			n.Status.Label()+"».")
		return
	}
	h, err := s.scopedHamlet(r, r.PostFormValue("hamlet"))
	if err == nil {
		var on bool
		// By id: another commune's hamlet of the same code may be its test group.
		if on, err = s.store.IsStaffTestID(ctx, h.ID); err == nil && !on {
			err = notices.ErrNotFound
		}
	}
	var req *notices.CommuneRequiredError
	if errors.Is(err, notices.ErrNotFound) || errors.As(err, &req) {
		s.redirect(w, r, back, "Chỉ gửi thử được tới một thôn/ấp được đánh dấu là nhóm thử của cán bộ; hãy chọn nhóm thử trong danh sách.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// Through the OA of the test group's commune: another commune's OA is
	// not in the group (-403).
	c := scopeFrom(r).communeByID(h.CommuneID)
	z := s.zaloOf(c)
	sender, ok := z.(groupSender)
	if z == nil || !ok {
		msg := "Chưa cấu hình Zalo OA nên chưa gửi thử được."
		if scopeFrom(r).Multi {
			msg = noClientMessage(c)
		}
		s.redirect(w, r, back, msg)
		return
	}
	opt := notices.RenderOptions{Commune: s.footer(r, n), Location: s.cfg.Location}
	if n.RefersTo != 0 {
		opt.RefersTo = s.sentOriginal(r, n.RefersTo)
	}
	parts := notices.RenderParts(n, opt)
	wait, err := s.store.BeginTestSend(ctx, n.ID, h.ID, sess.User.Username,
		fmt.Sprintf("gửi thử tới %s: %d phần", h.Name, len(parts)))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wait > 0 {
		s.redirect(w, r, back, fmt.Sprintf("Thông báo này vừa được gửi thử; hãy đợi %d giây rồi gửi thử lại.",
			int(wait.Round(time.Second)/time.Second)))
		return
	}
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 45*time.Second)
	defer cancel()
	sent, ids, err := testSend(sendCtx, sender, h.GroupID, n, parts)
	detail := fmt.Sprintf("%d/%d phần tới %s", sent, len(parts), h.Name)
	if len(ids) > 0 {
		detail += ", mã tin Zalo " + strings.Join(ids, " ")
	}
	var msg string
	switch {
	case err == nil:
		msg = fmt.Sprintf("Đã gửi thử tới nhóm %s: Zalo đã nhận %d/%d phần. Đây chỉ là gửi thử: thông báo vẫn %s, "+
			"chưa gửi tới thôn/ấp nào.", h.Name, sent, len(parts), n.Status.Label())
	case errors.Is(err, bot.ErrOutcomeUnknown):
		detail += ", phần " + strconv.Itoa(sent+1) + " không rõ đã tới chưa: " + testReason(err)
		msg = fmt.Sprintf("Gửi thử tới nhóm %s: Zalo đã nhận %d/%d phần; không rõ phần %d đã tới nhóm chưa (%s). "+
			"Hãy xem trong nhóm Zalo trước khi gửi thử lại.", h.Name, sent, len(parts), sent+1, testReason(err))
	default:
		detail += ", lỗi: " + testReason(err)
		msg = fmt.Sprintf("Gửi thử tới nhóm %s không thành: %s. Zalo đã nhận %d/%d phần. Gửi thử không tự gửi lại.",
			h.Name, testReason(err), sent, len(parts))
	}
	if rerr := s.store.RecordTestResult(context.WithoutCancel(ctx), n.ID, h.ID, sess.User.Username, detail); rerr != nil {
		s.log.Error().Err(rerr).Int64("notice_id", n.ID).Msg("record test send")
	}
	s.redirect(w, r, back, msg)
}

// testSend sends parts to groupID the way the dispatcher does: the first
// part as the image's caption when the notice has an image. It stops at the
// first error and returns how many parts Zalo took, with their message ids.
func testSend(ctx context.Context, z groupSender, groupID string, n *notices.Notice, parts []string) (int, []string, error) {
	var ids []string
	for i, text := range parts {
		var id string
		var err error
		if i == 0 && len(n.Image) > 0 {
			name := "thong-bao.png"
			if n.ImageType == "image/jpeg" {
				name = "thong-bao.jpg"
			}
			var att string
			if att, err = z.UploadImage(ctx, name, n.Image); err == nil {
				id, err = z.SendGroupImage(ctx, groupID, att, text)
			}
		} else {
			id, err = z.SendGroupText(ctx, groupID, text)
		}
		if err != nil {
			return i, ids, err
		}
		ids = append(ids, id)
	}
	return len(parts), ids, nil
}

// testReason is the client's plain-language reason without its promise of
// a retry ("hệ thống sẽ thử lại"): a test send is not retried.
func testReason(err error) string {
	r := bot.Reason(err)
	if i := strings.Index(r, "; hệ thống sẽ"); i > 0 {
		r = r[:i]
	}
	return r
}
