package notices_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestClaimFinishesAMessageBeforeStartingAnother: once a long message's
// first part reached a group, no other message starts in that group until
// its last part is sent, not even an urgent one, whether one commune claims
// by due time or several claim in turns; other groups are not held (probe6
// F6: an urgent warning's parts arrived with three ordinary notices between
// them). A message whose later part failed for good holds nothing.
func TestClaimFinishesAMessageBeforeStartingAnother(t *testing.T) {
	for _, fair := range []bool{false, true} {
		t.Run(fmt.Sprintf("fair=%v", fair), func(t *testing.T) {
			ctx := context.Background()
			s, _ := openProvince(t)
			materialise := func(title string, pr notices.Priority, due time.Time, parts int) {
				t.Helper()
				n := notices.Notice{Title: title, Body: "b", Commune: "xa-an-phu", Priority: pr, Status: notices.StatusApproved,
					Source: notices.SourceCLI, Author: "test"}
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
					Priority: pr.Rank(), Parts: ps, Targets: ts}); err != nil {
					t.Fatal(err)
				}
			}
			claim := func() []notices.Delivery {
				t.Helper()
				c := notices.Claim{Now: fixedNow, Limit: 64, MaxRank: notices.RankLow, Communes: []int64{1}}
				if fair {
					c.Communes, c.Fair = []int64{1, 2}, true
				}
				jobs, err := s.RecordAndClaim(ctx, nil, c)
				if err != nil {
					t.Fatal(err)
				}
				return jobs
			}
			record := func(jobs []notices.Delivery, st notices.DeliveryState) {
				t.Helper()
				rs := make([]notices.Result, len(jobs))
				for i, j := range jobs {
					rs[i] = notices.Result{ID: j.ID, Status: st, At: fixedNow, MessageID: fmt.Sprintf("m-%d", j.ID), Error: "x"}
				}
				if err := s.Record(ctx, rs); err != nil {
					t.Fatal(err)
				}
			}
			// xa-an-phu's two hamlets (groups g-ap-1, g-ap-2): a flood
			// warning in 3 parts, the first part already sent to both.
			materialise("Lũ", notices.Normal, fixedNow.Add(-time.Hour), 3)
			first := claim()
			if len(first) != 2 || first[0].Part != 1 {
				t.Fatalf("first claim: %+v; want the warning's part 1 to both groups", first)
			}
			record(first, notices.DeliverySent)
			// Then an urgent notice and an ordinary one, both due now.
			materialise("Khẩn", notices.Urgent, fixedNow.Add(-time.Minute), 1)
			materialise("Thường", notices.Normal, fixedNow.Add(-2*time.Hour), 1)
			for part := 2; part <= 3; part++ {
				jobs := claim()
				if len(jobs) != 2 {
					t.Fatalf("claim while the warning is under way: %d rows %+v; want its part %d to both groups only", len(jobs), jobs, part)
				}
				for _, j := range jobs {
					if j.Part != part || j.Parts != 3 {
						t.Fatalf("claimed %+v while the warning is under way; want its part %d", j, part)
					}
				}
				if more := claim(); len(more) != 0 {
					t.Fatalf("claimed %+v while the warning's part %d is being sent", more, part)
				}
				if part == 2 {
					record(jobs, notices.DeliverySent)
				} else {
					record(jobs[:1], notices.DeliverySent)
					record(jobs[1:], notices.DeliveryFailed) // failed for good: g-ap-2 is not held
				}
			}
			next := claim()
			if len(next) != 4 || next[0].Priority != notices.RankUrgent || next[1].Priority != notices.RankUrgent {
				t.Fatalf("after the warning: %d rows, %+v; want the urgent notice to both groups first, then the ordinary one", len(next), next)
			}
		})
	}
}

// TestWithdrawnMessageHoldsNoGroup: a long message whose notice was
// withdrawn after its first part went out sends no more parts, and so must
// not hold its groups: the next message starts there.
func TestWithdrawnMessageHoldsNoGroup(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	n := notices.Notice{Title: "Lũ", Body: "b", Commune: "xa-an-phu", Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "test"}
	if err := s.CreateNotice(ctx, &n); err != nil {
		t.Fatal(err)
	}
	ts, err := s.NoticeTargets(ctx, &n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: fixedNow.Add(-time.Hour), Status: notices.OccurrenceQueued,
		Priority: notices.RankNormal, Parts: []string{"Lũ 1", "Lũ 2"}, Targets: ts}); err != nil {
		t.Fatal(err)
	}
	claim := func() []notices.Delivery {
		t.Helper()
		jobs, err := s.RecordAndClaim(ctx, nil, notices.Claim{Now: fixedNow, Limit: 64, MaxRank: notices.RankLow, Communes: []int64{1}})
		if err != nil {
			t.Fatal(err)
		}
		return jobs
	}
	first := claim()
	rs := make([]notices.Result, len(first))
	for i, j := range first {
		rs[i] = notices.Result{ID: j.ID, Status: notices.DeliverySent, At: fixedNow, MessageID: fmt.Sprintf("m-%d", j.ID)}
	}
	if err := s.Record(ctx, rs); err != nil {
		t.Fatal(err)
	}
	w := notices.Notice{Title: "Thu hồi", Body: "Bỏ tin Lũ", Commune: "xa-an-phu", Kind: notices.KindCancel, RefersTo: n.ID,
		Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "test"}
	if err := s.CreateNotice(ctx, &w); err != nil {
		t.Fatal(err)
	}
	other := notices.Notice{Title: "Họp", Body: "b", Commune: "xa-an-phu", Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "test"}
	if err := s.CreateNotice(ctx, &other); err != nil {
		t.Fatal(err)
	}
	ots, err := s.NoticeTargets(ctx, &other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: other.ID, DueAt: fixedNow.Add(-time.Minute), Status: notices.OccurrenceQueued,
		Priority: notices.RankNormal, Parts: []string{"Họp"}, Targets: ots}); err != nil {
		t.Fatal(err)
	}
	jobs := claim()
	if len(jobs) != 2 {
		t.Fatalf("after the withdrawal: %d rows %+v; want the next notice to both groups", len(jobs), jobs)
	}
	for _, j := range jobs {
		if j.NoticeID != other.ID {
			t.Errorf("claimed %+v; want only the next notice's rows (the withdrawn one sends no more)", j)
		}
	}
}
