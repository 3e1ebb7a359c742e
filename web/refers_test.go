package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestCorrectionOfApprovedNotYetSentRefused: an approved notice due next
// year has reached no group: a correction may not quote its title months
// early, and a withdrawal is told to stop the notice itself.
func TestCorrectionOfApprovedNotYetSentRefused(t *testing.T) {
	s := newSite(t)
	later := s.notice(notices.Notice{Title: "Kế hoạch giải tỏa năm sau", Author: "tacgia", Status: notices.StatusApproved,
		PublishAt: s.clock.Now().AddDate(1, 0, 0)})
	sent := s.notice(notices.Notice{Title: "Họp dân tối nay", Author: "tacgia", Status: notices.StatusApproved})
	s.send(sent.ID, notices.DeliverySent)
	b := s.signedIn("bien")
	id := strconv.FormatInt(later.ID, 10)
	if resp, body := b.get("/compose?refers_to=" + id); resp.StatusCode == http.StatusOK || strings.Contains(body, later.Title) {
		t.Errorf("compose a correction of the approved, unsent notice = %d (title shown: %v)", resp.StatusCode,
			strings.Contains(body, later.Title))
	}
	if _, body := b.get("/notices/" + id); strings.Contains(body, "Gửi đính chính") {
		t.Errorf("the unsent notice's page offers a correction")
	}
	for kind, want := range map[string]string{"update": "chưa được gửi tới nhóm nào, nên chưa thể đính chính",
		"cancel": "hãy dừng chính thông báo đó"} {
		form := url.Values{"title": {"Đính chính"}, "body": {"x"}, "kind": {kind}, "refers_to": {id},
			"target_mode": {"all"}, "when": {"now"}, "priority": {"normal"}}
		resp, body := b.post("/compose", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("%s of the unsent notice = %d; want 422 saying %q", kind, resp.StatusCode, want)
		}
		if strings.Contains(body, later.Title) {
			t.Errorf("the refused %s form quotes the unsent title", kind)
		}
		form.Set("action", "preview")
		if _, body := b.post("/compose", form); strings.Contains(body, later.Title) {
			t.Errorf("the %s preview quotes the unsent title", kind)
		}
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/compose/preview", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", b.csrf)
		if _, body := b.do(req); strings.Contains(body, later.Title) {
			t.Errorf("the live %s preview quotes the unsent title", kind)
		}
	}
	if ns, _ := s.store.Notices(context.Background(), notices.NoticeFilter{RefersTo: later.ID}); len(ns) != 0 {
		t.Errorf("a correction of the unsent notice was stored")
	}
	// The notice that went out may be corrected, its title quoted.
	sid := strconv.FormatInt(sent.ID, 10)
	if resp, body := b.get("/compose?refers_to=" + sid); resp.StatusCode != http.StatusOK || !strings.Contains(body, sent.Title) {
		t.Errorf("compose a correction of the sent notice = %d", resp.StatusCode)
	}
	form := url.Values{"title": {"Đổi giờ họp"}, "body": {"Họp lúc 20 giờ."}, "kind": {"update"}, "refers_to": {sid},
		"target_mode": {"all"}, "when": {"now"}, "priority": {"normal"}}
	if resp, body := b.post("/compose", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("correction of the sent notice = %d\n%s", resp.StatusCode, body)
	}
}
