package notices_test

import (
	"context"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestKnownMessageIDsLooksWithinTheGroup: a message id is known in the
// group whose delivery recorded it, and not in another group (a message
// in one group's conversation is never another group's), whatever its
// outcome was recorded as; ids recorded nowhere are not known.
func TestKnownMessageIDsLooksWithinTheGroup(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	ts := importHamletTargets(t, s, "g-a", "g-b")
	n := &notices.Notice{Title: "Họp dân", Body: "…", Source: notices.SourceWeb, Author: "lan", Status: notices.StatusApproved}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: fixedNow, Status: notices.OccurrenceQueued,
		Parts: []string{"Họp dân lúc 19 giờ."}, Priority: 1, Targets: ts, LastDueAt: fixedNow}); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimJobs(ctx, fixedNow, 10, notices.RankLow)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("ClaimJobs() = %d jobs, %v; want 2", len(jobs), err)
	}
	ids := map[string]string{} // group → its message id
	var rs []notices.Result
	for _, j := range jobs {
		ids[j.GroupID] = "msg-" + j.GroupID
		rs = append(rs, notices.Result{ID: j.ID, Status: notices.DeliverySent, MessageID: ids[j.GroupID], At: fixedNow})
	}
	if err := s.Record(ctx, rs); err != nil {
		t.Fatal(err)
	}
	all := []string{ids["g-a"], ids["g-b"], "msg-nowhere"}
	for g, want := range ids {
		known, err := s.KnownMessageIDs(ctx, g, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(known) != 1 || !known[want] {
			t.Errorf("KnownMessageIDs(%s, %v) = %v; want only %s", g, all, known, want)
		}
	}
	if known, err := s.KnownMessageIDs(ctx, "g-none", all); err != nil || len(known) != 0 {
		t.Errorf("KnownMessageIDs(g-none) = %v, %v; want none", known, err)
	}
	if known, err := s.KnownMessageIDs(ctx, "g-a", nil); err != nil || len(known) != 0 {
		t.Errorf("KnownMessageIDs(g-a, nil) = %v, %v; want none", known, err)
	}
}

// importHamletTargets imports one hamlet per group and returns them as
// targets.
func importHamletTargets(t *testing.T, s *notices.Store, groups ...string) []notices.Target {
	t.Helper()
	var hs []notices.Hamlet
	for i, g := range groups {
		hs = append(hs, notices.Hamlet{Code: "khom-" + string(rune('a'+i)), Name: "Khóm " + string(rune('A'+i)), GroupID: g})
	}
	if err := s.ImportHamlets(context.Background(), "test", hs); err != nil {
		t.Fatal(err)
	}
	got, err := s.Hamlets(context.Background())
	if err != nil || len(got) != len(groups) {
		t.Fatalf("Hamlets() = %d, %v; want %d", len(got), err, len(groups))
	}
	ts := make([]notices.Target, len(got))
	for i, h := range got {
		ts[i] = notices.Target{HamletID: h.ID, GroupID: h.GroupID}
	}
	return ts
}
