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
		d.TestHamlets, d.CanTest = hs, true
	}
	return nil
}
