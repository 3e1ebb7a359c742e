package web

import (
	"net/http"

	"github.com/loaxa/loaxa/notices"
)

// workflowData fills the notice page's edit, pause and test-send parts.
func (s *Server) workflowData(r *http.Request, u notices.User, n *notices.Notice, d *noticeData) error {
	d.CanEdit = s.mayEdit(u, n)
	d.CanSubmit = d.CanEdit && (n.Status == notices.StatusDraft || n.Status == notices.StatusRejected)
	if n.Recurrence != "" {
		p, err := s.store.NoticePause(r.Context(), n.ID)
		if err != nil {
			return err
		}
		d.Pause = p
		mine := s.mayCancel(u, n) && n.Status == notices.StatusApproved
		d.CanPause, d.CanResume = mine && !p.Paused(), mine && p.Paused()
		if p.Paused() {
			d.Next = nil // nothing goes out while it is paused
		}
	}
	if testSendable(n) {
		hs, err := s.store.StaffTestHamlets(r.Context())
		if err != nil {
			return err
		}
		sc := scopeFrom(r)
		for _, h := range hs {
			if sc.seesHamlet(&h) {
				d.TestHamlets = append(d.TestHamlets, h)
			}
		}
		d.CanTest = true
	}
	return nil
}

// The audit log's names for the workflows' actions, added to actionLabels
// (render.go) from here so that the two lists stay apart.
func init() {
	for a, l := range map[string]string{
		"notice.edit": "sửa thông báo", "notice.submit": "gửi duyệt lại", "notice.pause": "tạm dừng",
		"notice.resume": "cho tiếp tục", "notice.test": "gửi thử", "notice.test_result": "kết quả gửi thử",
		"template.add": "thêm mẫu thông báo", "template.edit": "sửa mẫu thông báo", "template.delete": "xóa mẫu thông báo",
		"hamlet.staff_test": "đánh dấu nhóm thử",
	} {
		actionLabels[a] = l
	}
}
