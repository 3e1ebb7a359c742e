package schedule

import (
	"context"
	"sync"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// Drain claims and sends, as many at once as the in-flight target, every
// delivery that is due at the runner's clock, until none is left to claim,
// and returns how many sends it made. The daemon runs the dispatcher's loop
// instead; Drain lets tests step the same claim path (nextClaim, write:
// each transaction records the last round's outcomes and claims the next)
// in time.
func (r *Runner) Drain(ctx context.Context) (int, error) {
	d := r.disp
	total := 0
	var done []result
	for {
		target, _ := d.Flight.current()
		_, c := d.nextClaim(ctx, d.Now(), target)
		jobs, err := d.writeClaim(ctx, done, c)
		if err != nil || len(jobs) == 0 {
			return total, err
		}
		done = make([]result, len(jobs))
		var wg sync.WaitGroup
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s, ok := d.Senders.For(j.CommuneID); ok {
					done[i] = d.send(ctx, s, j)
				} else {
					done[i] = d.giveBack(j) // its commune was disabled since the claim
				}
			}()
		}
		wg.Wait()
		total += len(jobs)
	}
}

// TargetsOf resolves n's targets as materialisation does.
func (r *Runner) TargetsOf(ctx context.Context, n *notices.Notice) ([]notices.Target, error) {
	x, err := r.activeHamlets(ctx)
	if err != nil {
		return nil, err
	}
	return targets(n, x), nil
}

// Upkeep runs the calendar's token upkeep now.
func (r *Runner) Upkeep(ctx context.Context) error { return r.upkeep(ctx) }

// SetReconcileBudget sets how long a poll cycle waits for its
// reconciliation, until the test ends.
func SetReconcileBudget(t interface{ Cleanup(func()) }, d time.Duration) {
	old := reconcileBudget
	reconcileBudget = d
	t.Cleanup(func() { reconcileBudget = old })
}
