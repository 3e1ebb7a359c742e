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

// TestCraftedFollowUpRefused: a correction posted with its own list of
// hamlets, and a withdrawal of a withdrawal, are refused with the reason
// on the form; nothing is stored. A correction with no choice of hamlets
// goes where the original went.
func TestCraftedFollowUpRefused(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	orig := s.notice(notices.Notice{Title: "Họp dân tối nay", Author: "tacgia", Status: notices.StatusApproved})
	s.send(orig.ID, notices.DeliverySent, notices.DeliverySent)
	b := s.signedIn("bien")
	id := strconv.FormatInt(orig.ID, 10)
	form := url.Values{"title": {"Đổi giờ họp"}, "body": {"Họp lúc 20 giờ."}, "kind": {"update"}, "refers_to": {id},
		"target_mode": {"list"}, "targets": {"khom-1"}, "when": {"now"}, "priority": {"normal"}}
	resp, body := b.post("/compose", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "phải đi tới đúng nơi thông báo gốc số "+id) {
		t.Errorf("correction to a chosen hamlet = %d; want 422 saying it goes where the original went", resp.StatusCode)
	}
	if ns, _ := s.store.Notices(ctx, notices.NoticeFilter{RefersTo: orig.ID}); len(ns) != 0 {
		t.Fatalf("the crafted correction was stored: %+v", ns[0].Targets)
	}
	form.Set("target_mode", "all")
	form.Del("targets")
	form.Set("kind", "cancel")
	if resp, body := b.post("/compose", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdrawal of the original = %d\n%s", resp.StatusCode, body)
	}
	ns, err := s.store.Notices(ctx, notices.NoticeFilter{RefersTo: orig.ID})
	if err != nil || len(ns) != 1 || len(ns[0].Targets) != 0 {
		t.Fatalf("follow-ups = %+v, %v; want one going to all hamlets, as the original", ns, err)
	}
	w := ns[0]
	if err := s.store.ApproveNotice(ctx, w.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}
	s.send(w.ID, notices.DeliverySent)
	wid := strconv.FormatInt(w.ID, 10)
	for _, kind := range []string{"cancel", "update"} {
		form.Set("kind", kind)
		form.Set("refers_to", wid)
		resp, body := b.post("/compose", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "hãy đính chính hoặc hủy chính thông báo gốc số "+id) {
			t.Errorf("%s of the withdrawal = %d; want 422 pointing at the original", kind, resp.StatusCode)
		}
	}
	if ns, _ := s.store.Notices(ctx, notices.NoticeFilter{RefersTo: w.ID}); len(ns) != 0 {
		t.Errorf("a follow-up of the withdrawal was stored")
	}
}
