package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
)

// TestNoRetryOfAWithdrawnNotice is issue 12's probe: a notice failed in
// one hamlet (group disabled), was withdrawn where it arrived, the group
// came back; "Gửi lại" must not bring the withdrawn notice to it.
func TestNoRetryOfAWithdrawnNotice(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00", withSim(zalosim.WithClock(time.Now)))
	off := r.groups[2].ID
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	orig := r.notice(notices.Notice{Title: "Họp tổ dân phố tối nay", Body: "Mời bà con họp lúc 19:00."})
	r.step()
	if got := r.deliveries(orig.ID)["khom-3"].State(); got != notices.DeliveryFailed {
		t.Fatalf("khom-3: %s; want failed (group disabled)", got)
	}
	// Nothing more will go by itself: the notice is closed as done, as the
	// daemon does, so the withdrawal does not cancel it.
	if _, err := r.store.CloseFinished(r.ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.store.Notice(r.ctx, orig.ID); n.Status != notices.StatusDone {
		t.Fatalf("original status %s; want done", n.Status)
	}
	w := r.notice(notices.Notice{Title: "Hủy họp", Kind: notices.KindCancel, RefersTo: orig.ID})
	r.step()
	if got := r.received("Hủy họp"); got[r.groups[0].ID] != 1 || got[r.groups[1].ID] != 1 || got[off] != 0 {
		t.Fatalf("withdrawal received = %v; want only the two groups that got the original", got)
	}
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	for _, retry := range []func() (int, error){
		func() (int, error) { return r.store.RetryNotice(r.ctx, orig.ID, "canbo") },
		func() (int, error) {
			return r.store.RetryHamlet(r.ctx, orig.ID, r.deliveries(orig.ID)["khom-3"].Hamlet.ID, "canbo")
		},
	} {
		k, err := retry()
		var fe notices.FieldErrors
		if k != 0 || !errors.As(err, &fe) || !strings.Contains(err.Error(), "đã bị hủy bằng thông báo số") {
			t.Errorf("retry of the withdrawn notice = %d, %v; want refused, naming the withdrawal #%d", k, err, w.ID)
		}
	}
	r.step()
	if got := r.received("Mời bà con họp lúc 19:00."); got[off] != 0 {
		t.Errorf("the re-enabled group received the withdrawn notice: %v", got)
	}
}

// TestNoRetryOfACorrectedOriginal: once a correction went out, retrying the
// original would send outdated text: refused, pointing at the correction.
func TestNoRetryOfACorrectedOriginal(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00", withSim(zalosim.WithClock(time.Now)))
	off := r.groups[2].ID
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	orig := r.notice(notices.Notice{Title: "Họp lúc 19:00", Body: "Họp ở nhà văn hóa lúc 19:00."})
	r.step()
	fix := r.notice(notices.Notice{Title: "Họp lúc 19:30", Body: "Đổi giờ họp.", Kind: notices.KindUpdate, RefersTo: orig.ID})
	r.step()
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	k, err := r.store.RetryNotice(r.ctx, orig.ID, "canbo")
	if k != 0 || err == nil || !strings.Contains(err.Error(), "đã được đính chính bằng thông báo số") {
		t.Fatalf("retry of the corrected original = %d, %v; want refused", k, err)
	}
	// The correction itself may be retried where it failed.
	if k, err := r.store.RetryNotice(r.ctx, fix.ID, "canbo"); k != 1 || err != nil {
		t.Fatalf("retry of the correction = %d, %v; want 1", k, err)
	}
	r.step()
	if got := r.received("Họp ở nhà văn hóa lúc 19:00."); got[off] != 0 {
		t.Errorf("the outdated original reached the re-enabled group: %v", got)
	}
	if got := r.received("Đổi giờ họp."); got[off] != 1 {
		t.Errorf("the correction reached the re-enabled group %d times; want 1", got[off])
	}
}

// TestApprovedWithdrawalStopsTheOriginal: between a withdrawal's approval
// and its send, the dispatcher sends nothing more of the original, even
// retries already due.
func TestApprovedWithdrawalStopsTheOriginal(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00", withSim(zalosim.WithClock(time.Now)))
	off := r.groups[2].ID
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	orig := r.notice(notices.Notice{Title: "Cắt điện sáng mai", Body: "Cắt điện từ 7:00 đến 11:00."})
	r.step()
	if k, err := r.store.RetryNotice(r.ctx, orig.ID, "canbo"); k != 1 || err != nil {
		t.Fatalf("retry before any withdrawal = %d, %v; want 1", k, err)
	}
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	// Approved now, to go out in an hour.
	r.notice(notices.Notice{Title: "Không cắt điện", Kind: notices.KindCancel, RefersTo: orig.ID,
		PublishAt: r.clock.Now().Add(time.Hour)})
	r.step()
	if got := r.received("Cắt điện từ 7:00 đến 11:00."); got[off] != 0 {
		t.Errorf("the retry of the original went out after its withdrawal was approved: %v", got)
	}
	// Held for the withdrawal, it is not "stuck" for monitoring.
	if due, err := r.store.OldestDue(r.ctx, r.clock.Now().Add(30*time.Minute), 0, 2); err != nil || !due.IsZero() {
		t.Errorf("OldestDue = %v, %v; want none (the held retry waits for the withdrawal)", due, err)
	}
	r.clock.Add(time.Hour)
	r.step()
	if got := r.deliveries(orig.ID)["khom-3"].State(); got != notices.DeliverySkipped {
		t.Errorf("khom-3 of the withdrawn original: %s; want skipped once the withdrawal went", got)
	}
	if got := r.received("Cắt điện từ 7:00 đến 11:00."); got[off] != 0 {
		t.Errorf("the withdrawn original reached khom-3: %v", got)
	}
}
