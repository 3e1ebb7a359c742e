package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
)

func ptr[T any](v T) *T { return &v }

// TestDisabledGroupFailsOnce: a delivery to a group Zalo has disabled
// (-237) fails at its first attempt with the reason and the step to renew,
// is not tried again, and marks the group for the alarms.
func TestDisabledGroupFailsOnce(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00", withSim(zalosim.WithClock(time.Now)))
	off := r.groups[0].ID
	if _, err := r.sim.UpdateGroup(off, zalosim.GroupPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	n := r.notice(notices.Notice{Title: "Họp tổ dân phố"})
	r.step()
	for range 5 {
		r.clock.Add(time.Hour)
		r.step()
	}
	d := r.deliveries(n.ID)["khom-1"]
	if d.State() != notices.DeliveryFailed || d.ErrorCode != -237 || !strings.Contains(d.Error, "gia hạn gói nhóm") {
		t.Errorf("khom-1: %s, code %d, %q; want failed with -237 and the step to renew", d.State(), d.ErrorCode, d.Error)
	}
	if got := r.deliveries(n.ID)["khom-2"].State(); got != notices.DeliverySent {
		t.Errorf("khom-2: %s; want sent (one bad group stops no other)", got)
	}
	if sends := r.sim.Stats().Sends; sends != 2 {
		t.Errorf("the simulator accepted %d sends; want 2", sends)
	}
	f, ok, err := r.store.GroupFactsOf(r.ctx, off)
	if err != nil || !ok || f.Status != "disabled" {
		t.Errorf("facts of %s = %+v, %v, %v; want marked disabled by the failed send", off, f, ok, err)
	}
	h := r.runner.Health(r.ctx)
	if len(h.Groups) != 1 || h.Groups[0].Kind != notices.AlarmDisabled || h.Groups[0].HamletCode != "khom-1" {
		t.Errorf("health groups = %+v; want khom-1 disabled", h.Groups)
	}
	if !containsAny(h.Problems, "khom-1") && !containsAny(h.Problems, "Khóm 1") {
		t.Errorf("health problems %q; want the disabled group", h.Problems)
	}
}

func containsAny(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestRefreshGroupsAlarmAndReach: the refresh job reads every group from
// the simulator; a package ending in 3 days without auto-renewal raises the
// alarm in /healthz's report with its date, logged at warn level once a
// day; a notice sent then reaches the groups' members as counted.
func TestRefreshGroupsAlarmAndReach(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00")
	end := "04/12/2026"
	if _, err := r.sim.UpdateGroup(r.groups[1].ID, zalosim.GroupPatch{ValidThrough: &end, AutoRenew: ptr(false),
		Members: ptr(40), MaxMember: ptr(40)}); err != nil {
		t.Fatal(err)
	}
	if err := r.runner.RefreshGroups(r.ctx); err != nil {
		t.Fatal(err)
	}
	all, err := r.store.AllGroupFacts(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range r.groups {
		if f := all[g.ID]; !f.Checked() || !f.HasMembers {
			t.Errorf("facts of %s = %+v; want checked with members", g.ID, f)
		}
	}
	h := r.runner.Health(r.ctx)
	kinds := map[string]bool{}
	for _, a := range h.Groups {
		kinds[a.HamletCode+":"+a.Kind] = true
		if a.Kind == notices.AlarmExpiring && !strings.Contains(a.Message, "04/12/2026 (còn 3 ngày)") {
			t.Errorf("expiring alarm %q; want the date and days left", a.Message)
		}
	}
	if !kinds["khom-2:expiring"] || !kinds["khom-2:full"] || len(kinds) != 2 {
		t.Errorf("health groups = %v; want khom-2 expiring and full", kinds)
	}
	if !containsAny(h.Problems, "04/12/2026") || containsAny(h.Problems, "đã đầy") {
		t.Errorf("problems %q; want the expiring package (and not the full group)", h.Problems)
	}
	if err := r.runner.RefreshGroups(r.ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(r.logs.String(), "Zalo groups need an admin"); n != 1 {
		t.Errorf("%d warn lines about the groups after two runs the same day; want 1", n)
	}
	r.clock.Add(24 * time.Hour)
	if err := r.runner.RefreshGroups(r.ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(r.logs.String(), "Zalo groups need an admin"); n != 2 {
		t.Errorf("%d warn lines after the next day's run; want 2", n)
	}

	n := r.notice(notices.Notice{Title: "Tiêm chủng"})
	r.step()
	hd, err := r.store.NoticeDeliveries(r.ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, g := range r.sim.Groups() {
		want += g.Members
	}
	if got := notices.ReachOf(hd); got.Groups != 3 || got.Members != want || got.UnknownMembers != 0 {
		t.Errorf("reach = %+v; want 3 groups, %d members", got, want)
	}
}

// TestCheckGroup: a made-up group is refused naming it, a disabled one is
// refused, and Zalo unreachable leaves the group unchecked with the reason.
func TestCheckGroup(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00")
	now := r.clock.Now()
	c := schedule.CheckGroup(r.ctx, r.client, "bia-dat-123", now, hcm)
	if !strings.Contains(c.Refused, "bia-dat-123") || !strings.Contains(c.Refused, "-403") {
		t.Errorf("made-up group: %+v; want refused naming it", c)
	}
	if _, err := r.sim.UpdateGroup(r.groups[0].ID, zalosim.GroupPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if c := schedule.CheckGroup(r.ctx, r.client, r.groups[0].ID, now, hcm); !strings.Contains(c.Refused, "đang bị tắt") {
		t.Errorf("disabled group: %+v; want refused", c)
	}
	c = schedule.CheckGroup(r.ctx, r.client, r.groups[1].ID, now, hcm)
	if c.Refused != "" || !c.Facts.Checked() || c.Facts.TotalMember != r.groups[1].Members {
		t.Errorf("good group: %+v; want checked with %d members", c, r.groups[1].Members)
	}
	r.sim.HTTP.Close()
	if c := schedule.CheckGroup(r.ctx, r.client, r.groups[1].ID, now, hcm); !c.Unchecked() || c.Facts.CheckError == "" {
		t.Errorf("Zalo unreachable: %+v; want unchecked with a reason", c)
	}
	if c := schedule.CheckGroup(r.ctx, nil, "g", now, hcm); !c.Unchecked() {
		t.Errorf("no Zalo configured: %+v; want unchecked", c)
	}
}

// TestSendRefreshesStaleFacts: a notice sent to one hamlet asks for a check
// of its group when its facts are over an hour old; a group it was not
// sent to waits for its daily check.
func TestSendRefreshesStaleFacts(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00")
	if err := r.runner.RefreshGroups(r.ctx); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(2 * time.Hour)
	for _, g := range r.groups[:2] {
		if _, err := r.sim.UpdateGroup(g.ID, zalosim.GroupPatch{Members: ptr(77)}); err != nil {
			t.Fatal(err)
		}
	}
	r.notice(notices.Notice{Title: "Chỉ khóm 1", Targets: []string{"khom-1"}})
	r.step()
	if err := r.runner.RefreshGroups(r.ctx); err != nil {
		t.Fatal(err)
	}
	all, err := r.store.AllGroupFacts(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := all[r.groups[0].ID].TotalMember; got != 77 {
		t.Errorf("members of the group sent to = %d; want 77 (checked after the send)", got)
	}
	if got := all[r.groups[1].ID].TotalMember; got == 77 {
		t.Errorf("members of a group not sent to = %d; want the old count until its daily check", got)
	}
}

// TestUncheckedGroupCheckedAgain: a group added while Zalo could not be
// asked is checked again by the refresh job once 30 minutes have passed,
// not before.
func TestUncheckedGroupCheckedAgain(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00")
	if err := r.runner.RefreshGroups(r.ctx); err != nil { // every group checked
		t.Fatal(err)
	}
	g := r.groups[0].ID
	if err := r.store.UpdateGroupFacts(r.ctx, g, notices.GroupFacts{CheckError: "Zalo không trả lời"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sim.UpdateGroup(g, zalosim.GroupPatch{Members: ptr(61)}); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(20 * time.Minute)
	if err := r.runner.RefreshGroups(r.ctx); err != nil {
		t.Fatal(err)
	}
	if f, _, _ := r.store.GroupFactsOf(r.ctx, g); f.CheckError == "" || f.TotalMember == 61 {
		t.Errorf("after 20 minutes: %+v; want not checked again yet", f)
	}
	r.clock.Add(11 * time.Minute)
	if err := r.runner.RefreshGroups(r.ctx); err != nil {
		t.Fatal(err)
	}
	if f, _, _ := r.store.GroupFactsOf(r.ctx, g); f.CheckError != "" || f.TotalMember != 61 {
		t.Errorf("after 31 minutes: %+v; want checked again, 61 members", f)
	}
}
