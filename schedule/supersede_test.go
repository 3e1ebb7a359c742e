package schedule_test

import (
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
)

// TestQuietHoursDoNotStackRuns: a "*/5" notice through the night sends
// one run at 06:00, not every run missed since 21:00; the others are
// recorded as skipped, each replaced by the next run.
func TestQuietHoursDoNotStackRuns(t *testing.T) {
	q, _ := schedule.ParseQuietHours("21:00-06:00")
	r := newRig(t, "2026-11-27 20:50", withConfig(func(c *schedule.Config) { c.QuietHours = q }),
		withSim(zalosim.WithClock(time.Now)))
	n := r.notice(notices.Notice{Title: "Loa phường", Body: "Nhắc giữ trật tự.", Recurrence: "*/5 * * * *"})
	start := at(t, "2026-11-27 20:50")
	for i := 0; ; i++ {
		now := start.Add(time.Duration(i) * 5 * time.Minute)
		if now.After(at(t, "2026-11-28 06:10")) {
			break
		}
		r.clock.Set(now)
		r.step()
	}
	// 20:50, 20:55; one at 06:00 (the 06:00 run, which replaced the
	// held 05:55 one); 06:05, 06:10.
	for _, g := range r.groups {
		if got := r.received("Nhắc giữ trật tự.")[g.ID]; got != 5 {
			t.Errorf("group %s received %d runs; want 5 (none stacked at 06:00)", g.ID, got)
		}
	}
	occ, err := r.store.Occurrences(r.ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, o := range occ {
		lt := o.DueAt.In(hcm).Format("15:04")
		if o.Status == notices.OccurrenceSkipped {
			skipped++
			if want := notices.SupersededReason(o.DueAt.Add(5*time.Minute), hcm); o.Reason != want {
				t.Errorf("run %s skipped with %q; want %q", lt, o.Reason, want)
			}
		}
		if lt == "21:00" && o.Reason != "thay bằng lượt 21:05 sau giờ yên lặng" {
			t.Errorf("run 21:00: %s %q", o.Status, o.Reason)
		}
	}
	if skipped != 108 { // 21:00 … 05:55
		t.Errorf("%d runs skipped; want 108", skipped)
	}
	// A superseded run never comes back: nothing is left to send.
	if k, err := r.store.RetryNotice(r.ctx, n.ID, "canbo"); k != 0 || err != nil {
		t.Errorf("RetryNotice = %d, %v; want nothing to retry", k, err)
	}
	r.clock.Set(at(t, "2026-11-28 06:11"))
	r.step()
	for _, g := range r.groups {
		if got := r.received("Nhắc giữ trật tự.")[g.ID]; got != 5 {
			t.Errorf("group %s received %d runs after one more step; want 5", g.ID, got)
		}
	}
}
