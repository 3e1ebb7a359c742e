package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// mayEdit: a draft, pending or rejected notice may be edited by its author,
// or by an approver or admin.
func (s *Server) mayEdit(u notices.User, n *notices.Notice) bool {
	if !n.Editable() || n.Damaged != "" {
		return false
	}
	return can(u.Role, notices.RoleApprover) || strings.EqualFold(n.Author, u.Username)
}

// editable loads the notice of the path for editing, or answers why not.
func (s *Server) editable(w http.ResponseWriter, r *http.Request, sess *notices.Session) *notices.Notice {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return nil
	}
	id := strconv.FormatInt(n.ID, 10)
	switch {
	case !n.Editable():
		s.errorPage(w, r, http.StatusConflict, "Thông báo số "+id+" đang ở trạng thái «"+n.Status.Label()+
			"» nên không sửa được. Chỉ sửa được bản nháp, thông báo chờ duyệt hoặc bị từ chối; muốn đổi thông báo đã gửi thì hãy gửi đính chính.")
	case n.Damaged != "":
		s.errorPage(w, r, http.StatusConflict, "Thông báo số "+id+" bị hỏng nên không sửa được; hãy dừng nó và viết thông báo mới.")
	case !s.mayEdit(sess.User, n):
		s.errorPage(w, r, http.StatusForbidden, "Chỉ người viết hoặc người duyệt mới sửa được thông báo số "+id+".")
	default:
		return n
	}
	return nil
}

// rejection is the latest rejection of a rejected notice (or of a draft
// made from it), for the edit form.
func (s *Server) rejection(r *http.Request, n *notices.Notice) notices.AuditEntry {
	if n.Reason == "" && n.Status != notices.StatusRejected {
		return notices.AuditEntry{}
	}
	e, err := s.store.LastRejection(r.Context(), n.ID)
	if err != nil {
		s.log.Warn().Err(err).Int64("notice_id", n.ID).Msg("read rejection")
		return notices.AuditEntry{Detail: n.Reason}
	}
	if e.Detail == "" {
		e.Detail = n.Reason
	}
	return e
}

// noticeEditPage is the compose form filled with the notice.
func (s *Server) noticeEditPage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.editable(w, r, sess)
	if n == nil {
		return
	}
	d := composeData{Form: formOf(n, s.cfg.Location), Errs: fieldErrs{}, Editing: n, Rejection: s.rejection(r, n),
		Version: n.Version()}
	if n.RefersTo != 0 {
		d.Original = s.sentOriginal(r, n.RefersTo)
	}
	s.renderCompose(w, r, sess, http.StatusOK, d)
}

// noticeEditSubmit saves the edited notice: as a draft, or sent for
// approval again.
func (s *Server) noticeEditSubmit(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if n := s.editable(w, r, sess); n != nil {
		s.saveCompose(w, r, sess, n)
	}
}

// noticeSubmit sends a draft (or a rejected notice, unchanged) for approval.
func (s *Server) noticeSubmit(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if n := s.editable(w, r, sess); n != nil {
		err := s.store.SubmitNotice(r.Context(), n.ID, sess.User.Username)
		s.actionDone(w, r, n, "Đã gửi thông báo đi chờ duyệt.", err)
	}
}

// noticeDuplicate copies any notice into a new draft and opens it.
func (s *Server) noticeDuplicate(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return
	}
	d, err := s.store.DuplicateNotice(r.Context(), n.ID, sess.User.Username)
	var fe notices.FieldErrors
	switch {
	case errors.As(err, &fe):
		s.actionDone(w, r, n, "", err)
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.redirect(w, r, "/notices/"+strconv.FormatInt(d.ID, 10)+"/edit",
			"Đã sao chép thông báo số "+strconv.FormatInt(n.ID, 10)+" thành bản nháp số "+strconv.FormatInt(d.ID, 10)+
				". Hãy sửa ngày giờ cho đúng rồi lưu.")
	}
}
