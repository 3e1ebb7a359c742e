package schedule_test

import (
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestPausedNoticeIsNotSent: the daemon sends a daily notice, skips its
// occurrence while it is paused (recorded, with the reason), does not send
// it later on resume, and sends the next one.
func TestPausedNoticeIsNotSent(t *testing.T) {
	r := newRig(t, "2026-11-27 06:59")
	n := r.notice(notices.Notice{Title: "Loa sáng", Recurrence: "0 7 * * *", Targets: []string{"khom-1"}})
	g := r.groups[0].ID

	r.clock.Set(at(t, "2026-11-27 07:00"))
	r.step()
	if got := r.received("Loa sáng")[g]; got != 1 {
		t.Fatalf("day 1: received %d; want 1", got)
	}
	if _, err := r.store.PauseNotice(r.ctx, n.ID, "canbo"); err != nil {
		t.Fatal(err)
	}
	r.clock.Set(at(t, "2026-11-28 07:00"))
	r.step()
	r.clock.Set(at(t, "2026-11-28 07:30"))
	r.step()
	if got := r.received("Loa sáng")[g]; got != 1 {
		t.Fatalf("day 2, paused: received %d in all; want still 1", got)
	}
	if err := r.store.ResumeNotice(r.ctx, n.ID, "canbo"); err != nil {
		t.Fatal(err)
	}
	r.step()
	r.clock.Add(10 * time.Minute)
	r.step()
	if got := r.received("Loa sáng")[g]; got != 1 {
		t.Fatalf("after resume: received %d in all; want still 1 (day 2 is not sent later)", got)
	}
	r.clock.Set(at(t, "2026-11-29 07:00"))
	r.step()
	if got := r.received("Loa sáng")[g]; got != 2 {
		t.Fatalf("day 3: received %d in all; want 2", got)
	}
	occ, err := r.store.Occurrences(r.ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(occ) != 3 || occ[1].Status != notices.OccurrenceSkipped || occ[1].Reason != notices.PausedReason {
		t.Errorf("occurrences = %+v; want day 2 skipped as paused", occ)
	}
}
