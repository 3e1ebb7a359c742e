package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestSendingShownAsSending is probe 6's F12: a notice with a delivery
// still queued (here: sent to one hamlet, still waiting for the other, as
// for a commune not connected yet) read «đã duyệt» in the list, on its page
// and in the dashboard's «Đang gửi» list; it reads «đang gửi». A notice due
// later, nothing of it made yet, still reads «đã duyệt».
func TestSendingShownAsSending(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	now := s.clock.Now()
	going := s.notice(notices.Notice{Title: "Họp dân ấp", Author: "bien", Status: notices.StatusApproved})
	later := s.notice(notices.Notice{Title: "Họp dân tuần sau", Author: "bien", Status: notices.StatusApproved,
		PublishAt: now.Add(7 * 24 * time.Hour)})
	hs, err := s.store.Hamlets(ctx)
	if err != nil || len(hs) != 2 {
		t.Fatalf("hamlets = %v, %v", hs, err)
	}
	var ts []notices.Target
	for _, h := range hs {
		ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID})
	}
	if _, err := s.store.Materialise(ctx, notices.OccurrencePlan{NoticeID: going.ID, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: ts, LastDueAt: now}); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.store.ClaimJobs(ctx, now.Add(time.Minute), 1, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v %v", jobs, err)
	}
	if err := s.store.Record(ctx, []notices.Result{{ID: jobs[0].ID, Status: notices.DeliverySent, MessageID: "m1", At: now}}); err != nil {
		t.Fatal(err)
	}

	b := s.signedIn("bien")
	for path, want := range map[string][]string{
		"/notices":                   {`data-label="Trạng thái">đang gửi<`},
		"/notices/" + itoa(going.ID): {`st-approved">đang gửi<`, `<span data-status>đang gửi</span>`},
		"/dashboard":                 {`thôn/ấp đã nhận · <span data-status>đang gửi</span>`},
	} {
		_, body := b.get(path)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s does not say %s of a notice with a delivery still queued:\n%s", path, w, body)
			}
		}
	}
	if _, body := b.get("/notices/" + itoa(later.ID)); strings.Contains(body, "đang gửi") || !strings.Contains(body, `st-approved">đã duyệt<`) {
		t.Errorf("the page of a notice due next week does not read «đã duyệt» alone:\n%s", body)
	}
}
