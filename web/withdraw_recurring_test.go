package web_test

import (
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// Withdrawing a recurring notice stops it too: the withdrawal's form and
// its approval's confirmation say so, with the schedule in words.
func TestWithdrawalOfRecurringSaysItStops(t *testing.T) {
	s := newSite(t)
	orig := s.notice(notices.Notice{Title: "Thu gom rác", Author: "tacgia", Status: notices.StatusApproved,
		Recurrence: "0 7 * * 1"})
	s.send(orig.ID, notices.DeliverySent, notices.DeliverySent)
	const stops = "khi tin hủy này được gửi đi, nó cũng dừng luôn, các lượt sau không gửi nữa"

	_, body := s.signedIn("tacgia").get("/compose?refers_to=" + itoa(orig.ID) + "&kind=cancel")
	if !strings.Contains(body, "khi tin hủy được gửi đi, nó cũng dừng luôn, các lượt sau không gửi nữa") ||
		!strings.Contains(body, "Thứ Hai") {
		t.Errorf("the withdrawal form does not say the recurring notice stops:\n%s", body)
	}
	w := s.notice(notices.Notice{Title: "Hủy thu gom rác", Kind: notices.KindCancel, RefersTo: orig.ID, Author: "tacgia",
		Status: notices.StatusPending})
	_, body = s.signedIn("duyet").get("/notices/" + itoa(w.ID) + "/approve")
	if !strings.Contains(body, "Thông báo số "+itoa(orig.ID)+" lặp lại") || !strings.Contains(body, stops) {
		t.Errorf("the approval's confirmation does not say the recurring notice stops:\n%s", body)
	}

	// A one-off original: its unsent messages stop, nothing about later occurrences.
	one := s.notice(notices.Notice{Title: "Cắt điện", Author: "tacgia", Status: notices.StatusApproved})
	s.send(one.ID, notices.DeliverySent)
	w2 := s.notice(notices.Notice{Title: "Hủy cắt điện", Kind: notices.KindCancel, RefersTo: one.ID, Author: "tacgia",
		Status: notices.StatusPending})
	_, body = s.signedIn("duyet").get("/notices/" + itoa(w2.ID) + "/approve")
	if !strings.Contains(body, "thông báo số "+itoa(one.ID)+" cũng dừng") || strings.Contains(body, "các lượt sau") {
		t.Errorf("the one-off withdrawal's confirmation:\n%s", body)
	}
}
