package schedule

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// failingQueue refuses every transaction that records outcomes, as a
// store would whose outcome rows break a rule; claims alone work.
type failingQueue struct {
	Queue
	claims, records int
}

func (q *failingQueue) RecordAndClaim(_ context.Context, rs []notices.Result, c notices.Claim) ([]notices.Delivery, error) {
	if len(rs) > 0 {
		return nil, errors.New("outcome refused")
	}
	q.claims++
	return []notices.Delivery{{ID: 7}}, nil
}

func (q *failingQueue) Record(context.Context, []notices.Result) error {
	q.records++
	return errors.New("outcome refused")
}

// An outcome the store refuses does not stop the claims that shared its
// transaction: they are made on their own, the refused outcome's row stays
// 'sending' for the reconciler, and it is not reported as committed.
func TestWriteClaimsDespiteARefusedOutcome(t *testing.T) {
	q := &failingQueue{}
	var committed []bool
	d := &dispatcher{dispatchDeps: dispatchDeps{Queue: q, Log: zerolog.Nop(), Claims: newClaims(),
		Recorded: func(_ context.Context, _ []result, ok bool) { committed = append(committed, ok) },
		Settle:   func(time.Time) {}}}
	res := result{job: notices.Delivery{ID: 3}}
	res.ID, res.Status = 3, notices.DeliverySent
	jobs, err := d.write(context.Background(), []result{res}, notices.Claim{Now: time.Now(), Limit: 64})
	if len(jobs) != 1 || jobs[0].ID != 7 || err == nil {
		t.Fatalf("write() = %+v, %v; want delivery 7 claimed and the outcome's error", jobs, err)
	}
	if q.records != 1 || q.claims != 1 || len(committed) != 1 || committed[0] {
		t.Errorf("records %d, claims %d, committed %v; want the outcome tried alone once, one claim, not committed",
			q.records, q.claims, committed)
	}
	if !d.Claims.isInFlight(7) || d.Claims.isInFlight(3) {
		t.Error("want delivery 7 in flight and 3 no longer")
	}
}
