package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
)

// TestRecurringFailureSupersededByLaterRun is the outside tester's probe
// on recurring notices: a "*/5" run failed in one hamlet (group disabled),
// the group came back and received the next run. The old failure is
// superseded: "Gửi lại" must not send the old run again, and the status
// (per-hamlet state, tally) counts each hamlet's latest run only.
func TestRecurringFailureSupersededByLaterRun(t *testing.T) {
	r := newRig(t, "2026-12-01 02:55", withSim(zalosim.WithClock(time.Now)))
	off := r.groups[2].ID
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	n := r.notice(notices.Notice{Title: "Loa phường", Body: "Nhắc giữ trật tự.", Recurrence: "*/5 * * * *"})
	r.step()
	if got := r.deliveries(n.ID)["khom-3"].State(); got != notices.DeliveryFailed {
		t.Fatalf("khom-3 after 02:55: %s; want failed (group disabled)", got)
	}
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	r.clock.Set(at(t, "2026-12-01 03:00"))
	r.step()
	if got := r.received("Nhắc giữ trật tự.")[off]; got != 1 {
		t.Fatalf("khom-3 received %d runs; want 1 (the 03:00 run)", got)
	}

	// Finding 2: the status reads the latest run in each hamlet.
	hd := r.deliveries(n.ID)["khom-3"]
	if got := hd.State(); got != notices.DeliverySent {
		t.Errorf("khom-3 state %s; want sent (its latest run arrived)", got)
	}
	if hd.Error != "" {
		t.Errorf("khom-3 still shows the old run's reason %q", hd.Error)
	}
	tallies, err := r.store.Tallies(r.ctx, []int64{n.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tallies[n.ID], (notices.Tally{Failed: 0, Reached: len(r.groups), Left: 0}); got.Failed != want.Failed || got.Reached != want.Reached {
		t.Errorf("tally %+v; want %+v", got, want)
	}

	// «Cần người xử lý» reads the activity: no failure left there.
	recent, err := r.store.RecentActivity(r.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	of, err := r.store.ActivityOf(r.ctx, 0, []int64{n.ID})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]*notices.Activity{"RecentActivity": recent[n.ID], "ActivityOf": of[n.ID]} {
		if a == nil || a.Count[notices.DeliveryFailed] != 0 || a.Count[notices.DeliverySent] != 2*len(r.groups)-1 {
			t.Errorf("%s = %+v; want no failure and %d sent", name, a, 2*len(r.groups)-1)
		}
	}

	// Finding 1: nothing to retry; the refusal says why, in Vietnamese.
	for name, retry := range map[string]func() (int, error){
		"RetryNotice": func() (int, error) { return r.store.RetryNotice(r.ctx, n.ID, "canbo") },
		"RetryHamlet": func() (int, error) { return r.store.RetryHamlet(r.ctx, n.ID, hd.Hamlet.ID, "canbo") },
	} {
		k, err := retry()
		var fe notices.FieldErrors
		if k != 0 || !errors.As(err, &fe) || !strings.Contains(err.Error(), "lượt 02:55 đã được thay bằng lượt 03:00, đã đến nhóm") {
			t.Errorf("%s = %d, %v; want refused: the 02:55 run was replaced by the 03:00 one", name, k, err)
		}
	}
	r.step()
	if got := r.received("Nhắc giữ trật tự.")[off]; got != 1 {
		t.Errorf("khom-3 received %d runs after the retry; want 1 (the old run not sent again)", got)
	}
}

// TestRecurringLatestRunFailedStillCounts: the other way round, a hamlet
// that got the 02:55 run and failed the 03:00 one is failed, and retried.
func TestRecurringLatestRunFailedStillCounts(t *testing.T) {
	r := newRig(t, "2026-12-01 02:55", withSim(zalosim.WithClock(time.Now)))
	off := r.groups[2].ID
	n := r.notice(notices.Notice{Title: "Loa phường", Body: "Nhắc giữ trật tự.", Recurrence: "*/5 * * * *"})
	r.step()
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	r.clock.Set(at(t, "2026-12-01 03:00"))
	r.step()
	if got := r.deliveries(n.ID)["khom-3"].State(); got != notices.DeliveryFailed {
		t.Errorf("khom-3 state %s; want failed (its latest run failed)", got)
	}
	tallies, err := r.store.Tallies(r.ctx, []int64{n.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := tallies[n.ID]; got.Failed != 1 || got.Reached != len(r.groups)-1 {
		t.Errorf("tally %+v; want 1 failed, %d reached", got, len(r.groups)-1)
	}
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if k, err := r.store.RetryNotice(r.ctx, n.ID, "canbo"); k != 1 || err != nil {
		t.Errorf("RetryNotice = %d, %v; want the 03:00 run retried", k, err)
	}
}
