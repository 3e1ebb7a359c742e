package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// A recurring notice whose latest run failed in one hamlet: the reach line
// counts the latest run, as the parts line does, and says so.
func TestRecurringReachCountsTheLatestRun(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Loa sáng", Author: "tacgia", Status: notices.StatusApproved, Recurrence: "0 7 * * *"})
	s.send(n.ID, notices.DeliverySent, notices.DeliverySent)
	s.clock.Add(24 * time.Hour)
	s.send(n.ID, notices.DeliverySent, notices.DeliveryFailed)
	b := s.signedIn("bien")
	_, page := b.get("/notices/" + id(n))
	if !strings.Contains(page, "Lần gửi gần nhất đã đến 1 nhóm") || strings.Contains(page, "đã đến 2 nhóm") {
		t.Errorf("the reach line does not count the latest run:\n%s", page)
	}
	if !strings.Contains(page, `<span data-sent>1</span>/2 thôn/ấp đã nhận`) {
		t.Errorf("the parts line does not say 1/2:\n%s", page)
	}
	// A one-off notice keeps the plain wording.
	o := s.notice(notices.Notice{Title: "Họp", Author: "tacgia", Status: notices.StatusApproved})
	s.send(o.ID, notices.DeliverySent, notices.DeliveryFailed)
	if _, page := b.get("/notices/" + id(o)); !strings.Contains(page, "<strong>Đã đến 1 nhóm") {
		t.Errorf("a one-off notice's reach line changed wording")
	}
}

// A recurring notice whose earlier run failed in one hamlet and whose
// next run arrived everywhere: the page counts the latest run (2/2, no
// "ấp lỗi"). (The retry button follows the same State; the store's
// refusal is tested in schedule/recurring_latest_test.go.)
func TestRecurringOldFailureMadeGoodByTheNextRun(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Loa sáng", Author: "tacgia", Status: notices.StatusApproved, Recurrence: "0 7 * * *"})
	s.send(n.ID, notices.DeliverySent, notices.DeliveryFailed)
	s.clock.Add(24 * time.Hour)
	s.send(n.ID, notices.DeliverySent, notices.DeliverySent)
	b := s.signedIn("bien")
	_, page := b.get("/notices/" + id(n))
	if !strings.Contains(page, `<span data-sent>2</span>/2 thôn/ấp đã nhận`) || strings.Contains(page, "ấp lỗi") {
		t.Errorf("the status line does not count the latest run (want 2/2, no failure):\n%s", page)
	}
}
