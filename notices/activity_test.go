package notices_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// sendNotice materialises one occurrence of notice id to hs and records
// the given outcome for each hamlet's delivery.
func sendNotice(t *testing.T, s *notices.Store, id int64, hs []notices.Hamlet, outcome ...notices.DeliveryState) {
	t.Helper()
	ctx := context.Background()
	var ts []notices.Target
	for _, h := range hs {
		ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID})
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: id, DueAt: fixedNow, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: ts, LastDueAt: fixedNow}); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimJobs(ctx, fixedNow.Add(time.Minute), 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	var rs []notices.Result
	for i, j := range jobs {
		r := notices.Result{ID: j.ID, Status: outcome[i], At: fixedNow}
		if r.Status == notices.DeliverySent {
			r.MessageID = "m" + string(rune('a'+i))
		} else {
			r.Code, r.Error = -403, "OA không còn trong nhóm"
		}
		rs = append(rs, r)
	}
	if err := s.Record(ctx, rs); err != nil {
		t.Fatal(err)
	}
}

func TestActivityAndPublic(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	var hs []notices.Hamlet
	for _, c := range []string{"khom-1", "khom-2"} {
		h := notices.Hamlet{Code: c, Name: "Khóm " + c[5:], GroupID: "g" + c[5:]}
		if err := s.CreateHamlet(ctx, "test", &h); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	sent := &notices.Notice{Title: "Họp thôn", Body: "19h tối nay", Source: notices.SourceWeb, Author: "lan",
		Status: notices.StatusApproved}
	unsent := &notices.Notice{Title: "Chưa gửi", Body: "…", Source: notices.SourceWeb, Author: "lan"}
	for _, n := range []*notices.Notice{sent, unsent} {
		if err := s.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	sendNotice(t, s, sent.ID, hs, notices.DeliverySent, notices.DeliveryFailed)

	act, err := s.RecentActivity(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	a := act[sent.ID]
	if a == nil || a.Count[notices.DeliverySent] != 1 || a.Count[notices.DeliveryFailed] != 1 || a.Total() != 2 ||
		a.Pending() != 0 || !a.FirstSentAt.Equal(fixedNow) {
		t.Fatalf("RecentActivity[%d] = %+v", sent.ID, a)
	}
	if act[unsent.ID] != nil {
		t.Errorf("RecentActivity has the unsent notice")
	}

	ps, err := s.PublicNotices(ctx, 0, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].ID != sent.ID || len(ps[0].Hamlets) != 1 || ps[0].Hamlets[0] != "Khóm 1" ||
		!ps[0].SentAt.Equal(fixedNow) {
		t.Fatalf("PublicNotices = %+v; want notice %d sent to Khóm 1", ps, sent.ID)
	}
	if ps, _ := s.PublicNotices(ctx, hs[1].ID, 10, 0); len(ps) != 0 {
		t.Errorf("PublicNotices(khom-2) = %+v; want none", ps)
	}
	if _, err := s.PublicNoticeByID(ctx, unsent.ID); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("PublicNoticeByID(unsent) = %v; want ErrNotFound", err)
	}
	if p, err := s.PublicNoticeByID(ctx, sent.ID); err != nil || p.Title != "Họp thôn" {
		t.Errorf("PublicNoticeByID(sent) = %+v, %v", p, err)
	}

	n, err := s.RetryHamlet(ctx, sent.ID, hs[1].ID, "lan")
	if err != nil || n != 1 {
		t.Fatalf("RetryHamlet = %d, %v; want 1", n, err)
	}
	if n, _ := s.RetryHamlet(ctx, sent.ID, hs[0].ID, "lan"); n != 0 {
		t.Errorf("RetryHamlet(sent hamlet) = %d; want 0", n)
	}
	es, _ := s.Audit(ctx, notices.AuditFilter{Action: "notice.retry"})
	if len(es) != 1 || es[0].HamletID != hs[1].ID {
		t.Errorf("audit of the retry: %+v", es)
	}
}

// A notice written first but sent last is the newest news on the public page.
func TestPublicNoticesNewestByWhenTheyFellDue(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	h := notices.Hamlet{Code: "khom-1", Name: "Khóm 1", GroupID: "g1"}
	if err := s.CreateHamlet(ctx, "test", &h); err != nil {
		t.Fatal(err)
	}
	friday := &notices.Notice{Title: "Phát gạo thứ Sáu", Body: "…", Source: notices.SourceWeb, Author: "lan",
		Status: notices.StatusApproved, PublishAt: fixedNow.Add(2 * time.Hour)}
	tonight := &notices.Notice{Title: "Họp tối nay", Body: "…", Source: notices.SourceWeb, Author: "lan",
		Status: notices.StatusApproved}
	for _, n := range []*notices.Notice{friday, tonight} {
		if err := s.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []struct {
		id  int64
		due time.Time
	}{{tonight.ID, fixedNow}, {friday.ID, fixedNow.Add(2 * time.Hour)}} {
		if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: o.id, DueAt: o.due, LastDueAt: o.due,
			Status: notices.OccurrenceQueued, Parts: []string{"x"}, Priority: 1,
			Targets: []notices.Target{{HamletID: h.ID, GroupID: h.GroupID}}}); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := s.ClaimJobs(ctx, fixedNow.Add(3*time.Hour), 10, 2)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claimed %d (%v); want 2", len(jobs), err)
	}
	var rs []notices.Result
	for i, j := range jobs {
		rs = append(rs, notices.Result{ID: j.ID, Status: notices.DeliverySent, MessageID: fmt.Sprint("m", i), At: j.DueAt})
	}
	if err := s.Record(ctx, rs); err != nil {
		t.Fatal(err)
	}
	pub, err := s.PublicNotices(ctx, 0, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 2 || pub[0].ID != friday.ID || pub[1].ID != tonight.ID {
		var got []string
		for _, p := range pub {
			got = append(got, p.Title)
		}
		t.Errorf("public order = %q; want the one due last (%q) first", got, friday.Title)
	}
}
