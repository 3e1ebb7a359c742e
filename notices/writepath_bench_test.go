package notices_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// BenchmarkWritePath measures the send path's writes alone, as the
// dispatcher makes them while fanning a notice of one 1.2 kB part out to
// 10,000 groups: claims of 64 rows and the outcomes (sent, with Zalo-like
// random message ids) of as many. WRITEPATH_MODE picks the shape.
//
//	us/delivery   wall time of the claims and records, per delivery
func BenchmarkWritePath(b *testing.B) {
	ctx := context.Background()
	s, _ := openStore(b)
	var hs []notices.Hamlet
	for i := range 10000 {
		hs = append(hs, notices.Hamlet{Code: fmt.Sprintf("khom-%d", i+1), Name: fmt.Sprintf("Khóm %d", i+1),
			GroupID: fmt.Sprintf("g%019x", 0x5a10000+i)})
	}
	if err := s.ImportHamlets(ctx, "bench", hs); err != nil {
		b.Fatal(err)
	}
	hs, err := s.Hamlets(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ts := make([]notices.Target, len(hs))
	for i, h := range hs {
		ts[i] = notices.Target{HamletID: h.ID, GroupID: h.GroupID}
	}
	body := "📢 THÔNG BÁO " + strings.Repeat("Bà con lưu ý lịch tiêm phòng. ", 40)
	var took time.Duration
	n := 0
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		nt := &notices.Notice{Title: fmt.Sprint("Thông báo ", i), Body: "…", Source: notices.SourceWeb, Author: "lan",
			Status: notices.StatusApproved}
		if err := s.CreateNotice(ctx, nt); err != nil {
			b.Fatal(err)
		}
		due := fixedNow.Add(time.Duration(i) * time.Minute)
		if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: nt.ID, DueAt: due, Status: notices.OccurrenceQueued,
			Parts: []string{body}, Priority: 1, Targets: ts, LastDueAt: due}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		n += writePath(b, s, due.Add(time.Hour))
		took += time.Since(t0)
	}
	b.ReportMetric(float64(took.Nanoseconds())/1e3/float64(n), "us/delivery")
}

func sentResults(jobs []notices.Delivery) []notices.Result {
	rs := make([]notices.Result, len(jobs))
	for i, j := range jobs {
		var id [10]byte
		rand.Read(id[:])
		rs[i] = notices.Result{ID: j.ID, Status: notices.DeliverySent, MessageID: hex.EncodeToString(id[:]), At: fixedNow}
	}
	return rs
}

// writePath as the dispatcher writes: each transaction records the last
// batch's 64 outcomes and claims the next 64 (RecordAndClaim).
func writePath(b testing.TB, s *notices.Store, now time.Time) int {
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
