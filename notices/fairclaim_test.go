package notices_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestFairClaim: with a 500-delivery backlog of xa-an-phu queued first,
// xa-phu-hoa's notice made later is in the very first claim batch when the
// communes take turns (Claim.Fair), and an urgent one goes before both;
// without Fair it waits behind the whole backlog (the order by due time).
func TestFairClaim(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	var hs []notices.Hamlet
	for i := range 250 {
		hs = append(hs, notices.Hamlet{Commune: "xa-an-phu", Code: fmt.Sprintf("b-%d", i), Name: fmt.Sprintf("Ấp B%d", i),
			GroupID: fmt.Sprintf("g-b-%d", i)})
	}
	if err := s.ImportHamlets(ctx, "test", hs); err != nil {
		t.Fatal(err)
	}
	materialise := func(n notices.Notice, due time.Time, parts int) {
		t.Helper()
		n.Body, n.Status, n.Source, n.Author = "b", notices.StatusApproved, notices.SourceCLI, "test"
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		ts, err := s.NoticeTargets(ctx, &n)
		if err != nil {
			t.Fatal(err)
		}
		ps := make([]string, parts)
		for i := range ps {
			ps[i] = fmt.Sprintf("%s %d", n.Title, i+1)
		}
		if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: due, Status: notices.OccurrenceQueued,
			Priority: n.Priority.Rank(), Parts: ps, Targets: ts}); err != nil {
			t.Fatal(err)
		}
	}
	// 252 hamlets × 2 parts: the second parts wait for the first, so 252
	// are claimable at once, and 504 in all.
	materialise(notices.Notice{Title: "Backlog", Commune: "xa-an-phu"}, fixedNow.Add(-time.Hour), 2)
	materialise(notices.Notice{Title: "Phu Hoa", Commune: "xa-phu-hoa"}, fixedNow.Add(-time.Minute), 1)

	claim := func(fair bool, communes []int64) []notices.Delivery {
		t.Helper()
		jobs, err := s.RecordAndClaim(ctx, nil, notices.Claim{Now: fixedNow, Limit: 64, MaxRank: notices.RankLow,
			Fair: fair, Communes: communes})
		if err != nil {
			t.Fatal(err)
		}
		return jobs
	}
	has := func(jobs []notices.Delivery, commune int64) bool {
		for _, j := range jobs {
			if j.CommuneID == commune {
				return true
			}
		}
		return false
	}
	if jobs := claim(false, nil); len(jobs) != 64 || has(jobs, 2) {
		t.Fatalf("unfair claim: %d rows, xa-phu-hoa's among them: %v; want 64 of the backlog only (the test shows nothing otherwise)",
			len(jobs), has(jobs, 2))
	}
	if jobs := claim(true, []int64{1}); len(jobs) != 64 || has(jobs, 2) {
		t.Fatalf("claim of xa-an-phu only: %d rows, xa-phu-hoa's among them: %v", len(jobs), has(jobs, 2))
	}
	if jobs := claim(true, []int64{}); len(jobs) != 0 {
		t.Fatalf("claim of no commune = %d rows; want none", len(jobs))
	}
	materialise(notices.Notice{Title: "Khan", Commune: "xa-an-phu", Targets: []string{"ap-1"}, Priority: notices.Urgent}, fixedNow, 1)
	jobs := claim(true, nil)
	if len(jobs) != 64 || !has(jobs, 2) {
		t.Fatalf("fair claim: %d rows, xa-phu-hoa's among them: %v; want it in the first batch", len(jobs), has(jobs, 2))
	}
	if jobs[0].Priority != notices.RankUrgent || jobs[0].CommuneID != 1 {
		t.Errorf("first claimed = %+v; want the urgent one first, across communes", jobs[0])
	}
}

// TestFairClaimPerCommuneCap: Claim.PerCommune takes at most that many rows
// of a commune (a cap of 0: none), urgent first within it, and leaves the
// other communes' rows to fill the batch.
func TestFairClaimPerCommuneCap(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	var hs []notices.Hamlet
	for i := range 40 {
		hs = append(hs, notices.Hamlet{Commune: "xa-an-phu", Code: fmt.Sprintf("b-%d", i), Name: fmt.Sprintf("Ấp B%d", i),
			GroupID: fmt.Sprintf("g-b-%d", i)}, notices.Hamlet{Commune: "xa-phu-hoa", Code: fmt.Sprintf("b-%d", i),
			Name: fmt.Sprintf("Ấp B%d", i), GroupID: fmt.Sprintf("g-ph-b-%d", i)})
	}
	if err := s.ImportHamlets(ctx, "test", hs); err != nil {
		t.Fatal(err)
	}
	for _, n := range []notices.Notice{{Title: "Tồn", Commune: "xa-an-phu"}, {Title: "Phú Hòa", Commune: "xa-phu-hoa"},
		{Title: "Khẩn", Commune: "xa-an-phu", Targets: []string{"ap-1"}, Priority: notices.Urgent}} {
		n.Body, n.Status, n.Source, n.Author = "b", notices.StatusApproved, notices.SourceCLI, "test"
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		ts, err := s.NoticeTargets(ctx, &n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: fixedNow.Add(-time.Minute),
			Status: notices.OccurrenceQueued, Priority: n.Priority.Rank(), Parts: []string{"x"}, Targets: ts}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(jobs []notices.Delivery) map[int64]int {
		n := map[int64]int{}
		for _, j := range jobs {
			n[j.CommuneID]++
		}
		return n
	}
	jobs, err := s.RecordAndClaim(ctx, nil, notices.Claim{Now: fixedNow, Limit: 30, MaxRank: notices.RankLow, Fair: true,
		PerCommune: map[int64]int{1: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(jobs); n[1] != 3 || n[2] != 27 {
		t.Errorf("claimed per commune = %v; want 3 of xa-an-phu (its cap) and 27 of xa-phu-hoa", n)
	}
	if jobs[0].Priority != notices.RankUrgent || jobs[0].CommuneID != 1 {
		t.Errorf("first claimed = %+v; want xa-an-phu's urgent one within its cap", jobs[0])
	}
	jobs, err = s.RecordAndClaim(ctx, nil, notices.Claim{Now: fixedNow, Limit: 30, MaxRank: notices.RankLow, Fair: true,
		PerCommune: map[int64]int{1: 0, 2: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(jobs); n[1] != 0 || n[2] != 5 {
		t.Errorf("claimed per commune = %v; want none of xa-an-phu (cap 0) and 5 of xa-phu-hoa", n)
	}
}

// TestFairClaimPastBlockedRows: a fair claim checks the readiness of its
// first candidates only; when those are all waiting (here 150 second parts
// whose first parts are on the wire, due earliest), it still claims the
// ready rows behind them, in the same claim.
func TestFairClaimPastBlockedRows(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	var hs []notices.Hamlet
	for i := range 150 {
		hs = append(hs, notices.Hamlet{Commune: "xa-an-phu", Code: fmt.Sprintf("b-%d", i), Name: fmt.Sprintf("Ấp B%d", i),
			GroupID: fmt.Sprintf("g-b-%d", i)})
	}
	if err := s.ImportHamlets(ctx, "test", hs); err != nil {
		t.Fatal(err)
	}
	materialise := func(title string, targets []string, due time.Time, parts int) {
		t.Helper()
		n := notices.Notice{Title: title, Body: "b", Status: notices.StatusApproved, Source: notices.SourceCLI,
			Author: "test", Commune: "xa-an-phu", Targets: targets}
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		ts, err := s.NoticeTargets(ctx, &n)
		if err != nil {
			t.Fatal(err)
		}
		ps := make([]string, parts)
		for i := range ps {
			ps[i] = fmt.Sprintf("%s %d", title, i+1)
		}
		if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: due, Status: notices.OccurrenceQueued,
			Priority: n.Priority.Rank(), Parts: ps, Targets: ts}); err != nil {
			t.Fatal(err)
		}
	}
	var many []string
	for i := range 150 {
		many = append(many, fmt.Sprintf("b-%d", i))
	}
	materialise("Hai phần", many, fixedNow.Add(-2*time.Hour), 2)
	claim := func(limit int) []notices.Delivery {
		t.Helper()
		jobs, err := s.RecordAndClaim(ctx, nil, notices.Claim{Now: fixedNow, Limit: limit, MaxRank: notices.RankLow, Fair: true,
			Communes: []int64{1, 2}})
		if err != nil {
			t.Fatal(err)
		}
		return jobs
	}
	if jobs := claim(500); len(jobs) != 150 {
		t.Fatalf("first parts claimed = %d; want 150 (their second parts wait for them)", len(jobs))
	}
	materialise("Sau", []string{"ap-1", "ap-2"}, fixedNow.Add(-time.Hour), 1)
	jobs := claim(2)
	if len(jobs) != 2 {
		t.Fatalf("claimed %d rows behind 150 waiting second parts; want the 2 ready ones", len(jobs))
	}
	for _, j := range jobs {
		if j.Part != 1 || j.Parts != 1 {
			t.Errorf("claimed %+v; want a row of «Sau»", j)
		}
	}
}
