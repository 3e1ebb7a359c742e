package web

import (
	"net/http"
	"strconv"

	"github.com/loaxa/loaxa/notices"
)

// noticePause is POST /notices/{id}/pause: a recurring notice stops
// sending until it is resumed; occurrences that fall due meanwhile are
// skipped, not sent later.
func (s *Server) noticePause(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return
	}
	if !s.mayCancel(sess.User, n) {
		s.errorPage(w, r, http.StatusForbidden, "Chỉ người viết hoặc người duyệt mới tạm dừng được thông báo này.")
		return
	}
	skipped, err := s.store.PauseNotice(r.Context(), n.ID, sess.User.Username)
	msg := "Đã tạm dừng. Các lượt gửi đến hạn trong lúc tạm dừng sẽ bị bỏ qua, không gửi bù khi tiếp tục."
	if skipped > 0 {
		msg += " " + strconv.Itoa(skipped) + " tin đang chờ gửi đã được bỏ."
	}
	s.actionDone(w, r, n, msg, err)
}

// noticeResume is POST /notices/{id}/resume.
func (s *Server) noticeResume(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return
	}
	if !s.mayCancel(sess.User, n) {
		s.errorPage(w, r, http.StatusForbidden, "Chỉ người viết hoặc người duyệt mới cho tiếp tục được thông báo này.")
		return
	}
	err := s.store.ResumeNotice(r.Context(), n.ID, sess.User.Username)
	msg := "Đã cho tiếp tục. Thông báo gửi lại từ lượt kế tiếp."
	if next := s.cfg.Rules.NextDue(n, s.now()); !next.IsZero() {
		msg = "Đã cho tiếp tục. Lượt gửi kế tiếp: " + dateVN(next, s.cfg.Location) + "."
	}
	s.actionDone(w, r, n, msg, err)
}
