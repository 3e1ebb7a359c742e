package notices_test

import (
	"context"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// writePath as the dispatcher writes: each transaction records the last
// batch's 64 outcomes and claims the next 64 (RecordAndClaim).
func writePath(b *testing.B, s *notices.Store, now time.Time) int {
	ctx := context.Background()
	n := 0
	var rs []notices.Result
	for {
		jobs, err := s.RecordAndClaim(ctx, rs, notices.Claim{Now: now, Limit: 64, MaxRank: notices.RankLow})
		if err != nil {
			b.Fatal(err)
		}
		if len(jobs) == 0 {
			return n
		}
		rs = sentResults(jobs)
		n += len(jobs)
	}
}
