package notices_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// BenchmarkClaimFair is the cost of one claim batch (64) with 1,800 due
// deliveries across 100 communes: in turns (Fair), as the daemon claims
// for several communes, and by due time alone over every commune, which no
// daemon does (a single commune claims by due time within its own part of
// deliveries_due; across 100 communes that order needs every due row
// sorted). On the shared 2-core machine, since 0018: 2.1-2.2 ms in turns,
// 2.1-2.6 ms by due time (in turns 3.6 ms before, numbering every due row).
func BenchmarkClaimFair(b *testing.B) {
	ctx := context.Background()
	s, _ := openStore(b)
	for i := 2; i <= 100; i++ {
		if err := s.CreateCommune(ctx, "bench", &notices.Commune{Code: fmt.Sprintf("xa-%d", i), Name: fmt.Sprintf("UBND xã %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	cs, _ := s.Communes(ctx)
	var hs []notices.Hamlet
	for _, c := range cs {
		for j := range 18 {
			hs = append(hs, notices.Hamlet{Commune: c.Code, Code: fmt.Sprintf("ap-%d", j), Name: "Ấp", GroupID: fmt.Sprintf("g-%d-%d", c.ID, j)})
		}
	}
	if err := s.ImportHamlets(ctx, "bench", hs); err != nil {
		b.Fatal(err)
	}
	n := notices.Notice{Title: "Lũ", Body: "b", Commune: notices.Province, Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "t"}
	if err := s.CreateNotice(ctx, &n); err != nil {
		b.Fatal(err)
	}
	ts, _ := s.NoticeTargets(ctx, &n)
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: fixedNow.Add(-time.Hour), Status: notices.OccurrenceQueued,
		Parts: []string{"p"}, Targets: ts}); err != nil {
		b.Fatal(err)
	}
	for _, fair := range []bool{false, true} {
		b.Run(fmt.Sprintf("fair=%v", fair), func(b *testing.B) {
			for b.Loop() {
				// Claim a batch, then put its rows back (untimed), so that
				// every claim meets the same 1,800 due rows.
				jobs, err := s.RecordAndClaim(ctx, nil, notices.Claim{Now: fixedNow, Limit: 64, MaxRank: notices.RankLow, Fair: fair})
				if err != nil || len(jobs) != 64 {
					b.Fatal(len(jobs), err)
				}
				b.StopTimer()
				rs := make([]notices.Result, len(jobs))
				for i, j := range jobs {
					rs[i] = notices.Result{ID: j.ID, Status: notices.DeliveryQueued, At: fixedNow.Add(-time.Hour), Unclaim: true}
				}
				if err := s.Record(ctx, rs); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
