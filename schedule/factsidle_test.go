package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
)

// TestFactsCheckWaitsForTheSendsInFlight: the check of the groups a notice
// went to waits until the sends are recorded, not only until nothing is
// due: the last rows of a fan-out are claimed, so no longer due, while
// they are still on the wire, and a check then shared the quota and the
// CPU with them.
func TestFactsCheckWaitsForTheSendsInFlight(t *testing.T) {
	r := newBenchRig(t, benchOptions{groups: 1})
	g := r.groups[0]
	r.sim.FailNext(1, zalosim.Fault{Kind: zalosim.KindSlow, Delay: 5 * time.Second})
	ctx := context.Background()
	id := r.notice("Lịch tiêm phòng", false)
	run := r.runner(benchConfig())
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer run.Stop(ctx)
	deadline := time.Now().Add(15 * time.Second)
	sentAt := time.Time{}
	for time.Now().Before(deadline) {
		f, ok, err := r.store.GroupFactsOf(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		sent := r.statusCounts(id)["sent"] == 1
		if sent && sentAt.IsZero() {
			sentAt = time.Now()
		}
		if ok && !f.TriedAt.IsZero() {
			if !sent {
				t.Fatalf("the group was checked (%+v) while its delivery was still on the wire", f)
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the group was never checked (sent at %v); want a check once the send was recorded", sentAt)
}
