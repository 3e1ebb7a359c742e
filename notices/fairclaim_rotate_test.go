package notices_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// provinceQueue is a store of 100 communes with 18 hamlets each and one
// province notice queued to all 1,800, due an hour ago.
func provinceQueue(tb testing.TB) *notices.Store {
	tb.Helper()
	ctx := context.Background()
	s, _ := openStore(tb)
	for i := 2; i <= 100; i++ {
		if err := s.CreateCommune(ctx, "test", &notices.Commune{Code: fmt.Sprintf("xa-%d", i), Name: fmt.Sprintf("UBND xã %d", i)}); err != nil {
			tb.Fatal(err)
		}
	}
	cs, err := s.Communes(ctx)
	if err != nil || len(cs) != 100 {
		tb.Fatalf("%d communes, %v", len(cs), err)
	}
	var hs []notices.Hamlet
	for _, c := range cs {
		for j := range 18 {
			hs = append(hs, notices.Hamlet{Commune: c.Code, Code: fmt.Sprintf("ap-%d", j), Name: "Ấp", GroupID: fmt.Sprintf("g-%d-%d", c.ID, j)})
		}
	}
	if err := s.ImportHamlets(ctx, "test", hs); err != nil {
		tb.Fatal(err)
	}
	n := notices.Notice{Title: "Lũ", Body: "b", Commune: notices.Province, Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "t"}
	if err := s.CreateNotice(ctx, &n); err != nil {
		tb.Fatal(err)
	}
	ts, err := s.NoticeTargets(ctx, &n)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: fixedNow.Add(-time.Hour), Status: notices.OccurrenceQueued,
		Parts: []string{"p"}, Targets: ts}); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestFairClaimRotates: with more busy communes (100) than a claim batch
// holds (64), the communes a batch leaves out are the first of the next
// one, even when the batch's outcomes were recorded in between (as the
// dispatcher records them in the claim's transaction); before, every batch
// began again at the lowest commune id, and communes 65-100 waited until
// the others had nothing left. And a batch comes back turn by turn: a
// commune's two rows in one batch are a turn apart, not side by side.
func TestFairClaimRotates(t *testing.T) {
	ctx := context.Background()
	s := provinceQueue(t)
	claim := func(results []notices.Result, limit int) []notices.Delivery {
		t.Helper()
		jobs, err := s.RecordAndClaim(ctx, results, notices.Claim{Now: fixedNow, Limit: limit, MaxRank: notices.RankLow, Fair: true})
		if err != nil || len(jobs) != limit {
			t.Fatalf("claim %d: %d rows, %v", limit, len(jobs), err)
		}
		return jobs
	}
	sent := func(jobs []notices.Delivery) []notices.Result {
		rs := make([]notices.Result, len(jobs))
		for i, j := range jobs {
			rs[i] = notices.Result{ID: j.ID, Status: notices.DeliverySent, MessageID: fmt.Sprintf("m-%d", j.ID), At: fixedNow}
		}
		return rs
	}
	communes := func(jobs []notices.Delivery) map[int64]int {
		m := map[int64]int{}
		for _, j := range jobs {
			m[j.CommuneID]++
		}
		return m
	}
	first := claim(nil, 64)
	if got := communes(first); len(got) != 64 {
		t.Fatalf("the first batch holds %d communes; want 64, one row each", len(got))
	}
	second := claim(sent(first), 64)
	got := communes(second)
	if len(got) != 64 {
		t.Errorf("the second batch holds %d communes; want 64, one row each", len(got))
	}
	for id := int64(1); id <= 100; id++ {
		if communes(first)[id] == 0 && got[id] == 0 {
			t.Errorf("commune %d had no row in either of the first two batches; every one of the 100 should have", id)
		}
	}

	// 150 rows of 100 communes: the first turn of each, then the second.
	big := claim(sent(second), 150)
	if n := len(communes(big[:100])); n != 100 {
		t.Errorf("the first 100 rows of a batch of 150 hold %d communes; want all 100, turn by turn", n)
	}
	for i := 1; i < len(big); i++ {
		if big[i].CommuneID == big[i-1].CommuneID {
			t.Fatalf("rows %d and %d of the batch are both commune %d's: its OA's limit would hold the second", i-1, i, big[i].CommuneID)
		}
	}
}
