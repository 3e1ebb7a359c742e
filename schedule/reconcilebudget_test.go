package schedule_test

import (
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
)

// TestSlowReconcileDoesNotHoldThePollLoop: a group's history slow to read
// (a commune's low package limit, here Zalo slow to answer) no longer holds
// the poll cycle until it is read: past reconcileBudget the reads go on in
// the background, the cycle goes on making other notices' deliveries, a
// second cycle starts no second reading, and the delivery of unknown
// outcome is settled, never sent twice (probe7: one commune at 2 calls a
// minute stopped every commune's notices, urgent ones too, for minutes).
func TestSlowReconcileDoesNotHoldThePollLoop(t *testing.T) {
	schedule.SetReconcileBudget(t, 100*time.Millisecond)
	r := newRig(t, "2026-11-27 09:00")
	r.sim.FailNext(1, zalosim.FaultLostAnswer.On(zalosim.PathGroupMessage))
	lost := r.notice(notices.Notice{Title: "Trả lời bị mất", Targets: []string{"khom-1"}})
	r.step() // sent, its answer lost
	r.clock.Add(time.Minute)
	r.sim.SetDelay(2 * time.Second) // every call, the history reads too
	began := time.Now()
	if _, err := r.runner.RunOnce(r.ctx, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took >= 2*time.Second {
		t.Fatalf("the poll cycle took %s: it waited for the slow history read (budget 100 ms)", took)
	}
	next := r.notice(notices.Notice{Title: "Tin khác", Targets: []string{"khom-2"}})
	if _, err := r.runner.RunOnce(r.ctx, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if len(r.deliveries(next.ID)) == 0 {
		t.Errorf("another notice was not made while the reconciliation read in the background")
	}
	r.sim.SetDelay(0)
	if !waitFor(15*time.Second, func() bool {
		for _, h := range r.deliveries(lost.ID) {
			return h.State() == notices.DeliverySent
		}
		return false
	}) {
		t.Fatalf("the delivery of unknown outcome was not settled by the background reconciliation: %+v", r.deliveries(lost.ID))
	}
	if got := r.received("Trả lời bị mất"); len(got) != 1 || got[r.groups[0].ID] != 1 {
		t.Errorf("the lost answer's message arrived %v; want once in khóm 1's group", got)
	}
}
