package web_test

import (
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// A notice with nothing left to send never reads «đang gửi»: every hamlet
// failed is «chưa gửi được, 2 ấp lỗi», some arrived is «đã gửi, 1 ấp lỗi»,
// on the dashboard, in /notices and on its page, closed as done or not yet.
func TestNothingLeftIsNotSending(t *testing.T) {
	s := newSite(t)
	none := s.notice(notices.Notice{Title: "Không tới đâu", Author: "tacgia", Status: notices.StatusApproved})
	s.send(none.ID, notices.DeliveryFailed, notices.DeliveryFailed)
	some := s.notice(notices.Notice{Title: "Tới một nửa", Author: "tacgia", Status: notices.StatusApproved})
	s.send(some.ID, notices.DeliverySent, notices.DeliveryFailed)
	// Not closed as done yet (the daemon does it on its next cycle).
	b := s.signedIn("bien")
	row := func(body, title string) string {
		t.Helper()
		i := strings.Index(body, title)
		if i < 0 {
			t.Fatalf("%q not on the page", title)
		}
		j := strings.Index(body[i:], "</tr>")
		if k := strings.Index(body[i:], "</li>"); j < 0 || k >= 0 && k < j {
			j = k
		}
		return body[i : i+j]
	}
	check := func(where, got, want string) {
		t.Helper()
		if !strings.Contains(got, want) || strings.Contains(got, "đang gửi") {
			t.Errorf("%s: %q; want «%s», never «đang gửi»", where, got, want)
		}
	}
	_, list := b.get("/notices")
	check("/notices, none arrived", row(list, none.Title), "chưa gửi được, 2 ấp lỗi")
	check("/notices, some arrived", row(list, some.Title), "đã gửi, 1 ấp lỗi")
	_, dash := b.get("/dashboard")
	check("dashboard, none arrived", row(dash, none.Title), "chưa gửi được, 2 ấp lỗi")
	_, page := b.get("/notices/" + id(none))
	if !strings.Contains(page, "chưa gửi được, 2 ấp lỗi") || strings.Contains(page, "đang gửi, 2 ấp lỗi") {
		t.Errorf("the page of the notice that reached no hamlet does not say «chưa gửi được, 2 ấp lỗi»")
	}
	_, page = b.get("/notices/" + id(some))
	if !strings.Contains(page, "đã gửi, 1 ấp lỗi") || strings.Contains(page, "đang gửi, 1 ấp lỗi") {
		t.Errorf("the page of the half-sent notice does not say «đã gửi, 1 ấp lỗi»")
	}
}
