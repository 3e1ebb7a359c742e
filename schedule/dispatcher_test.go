package schedule_test

import (
	"context"
	"testing"
	"time"
)

// The daemon's own loop (Start/Stop), not Drain: claims are made in batches
// ahead of the sends, and a stop gives back what has not gone out.
func TestStopGivesBackClaimedDeliveriesAndARestartSendsEachOnce(t *testing.T) {
	const groups = 300
	r := newBenchRig(t, benchOptions{groups: groups})
	r.sim.SetDelay(5 * time.Millisecond)
	ctx := context.Background()
	id := r.notice("Cắt điện khu vực chợ", false)

	first := r.runner(benchConfig())
	if err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	r.waitSends(0, 20, time.Minute)
	if err := first.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	counts := r.statusCounts(id)
	sent := r.sends()
	if counts["sending"] != 0 || counts["sent"] != sent || counts["sent"]+counts["queued"] != groups {
		t.Fatalf("after a clean stop: deliveries %v, simulator %d sends; want none sending, %d in all, sent = sends",
			counts, sent, groups)
	}
	if sent == groups {
		t.Fatalf("every delivery went out before the stop; the test needs some left")
	}
	var spent int
	if err := r.db.QueryRow(`SELECT count(*) FROM deliveries WHERE notice_id = ? AND status = 'queued' AND attempts > 0`,
		id).Scan(&spent); err != nil {
		t.Fatal(err)
	}
	if spent != 0 {
		t.Errorf("%d deliveries given back at the stop spent an attempt; want 0", spent)
	}

	second := r.runner(benchConfig())
	if err := second.Start(ctx); err != nil {
		t.Fatal(err)
	}
	r.waitSends(sent, groups, time.Minute)
	if err := second.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if c := r.statusCounts(id); c["sent"] != groups {
		t.Errorf("after the restart: deliveries %v; want %d sent", c, groups)
	}
	per := map[string]int{}
	for _, m := range r.sim.AllMessages() {
		per[m.GroupID]++
	}
	for _, g := range r.groups {
		if per[g] != 1 {
			t.Errorf("group %s received %d messages; want 1", g, per[g])
		}
	}
}
