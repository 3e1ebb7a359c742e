package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// A notice whose message waits to be sent again says until when, in the
// list and on its page, not only «đã duyệt».
func TestRetryWaitShownAsStatus(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	n := s.notice(notices.Notice{Title: "Họp dân", Author: "bien", Status: notices.StatusApproved, Targets: []string{"khom-1"}})
	h, err := s.store.HamletByCode(ctx, "khom-1")
	if err != nil {
		t.Fatal(err)
	}
	now := s.clock.Now()
	if _, err := s.store.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: []notices.Target{{HamletID: h.ID, GroupID: h.GroupID}}, LastDueAt: now}); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.store.ClaimJobs(ctx, now.Add(time.Minute), 10, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v %v", jobs, err)
	}
	if err := s.store.Record(ctx, []notices.Result{{ID: jobs[0].ID, Status: notices.DeliveryRetry, At: now.Add(10 * time.Minute),
		Code: -32, Error: "Zalo đang quá tải"}}); err != nil {
		t.Fatal(err)
	}
	const want = "chờ gửi lại lúc 27/11/2026 08:10"
	b := s.signedIn("bien")
	if _, body := b.get("/notices"); !strings.Contains(body, want) {
		t.Errorf("the list does not say %q:\n%s", want, body)
	}
	if _, body := b.get("/notices/" + itoa(n.ID)); !strings.Contains(body, want) {
		t.Errorf("the notice's page does not say %q:\n%s", want, body)
	}
}
