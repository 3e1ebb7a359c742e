package schedule_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
)

// TestProvinceUncheckedGroupCheckedThroughItsOA (outside tester F21): in a
// province where one commune's OA is disconnected, its deliveries stay due;
// they must not hold the other communes' group checks. A group marked
// "chưa kiểm tra" before its commune was connected is checked again through
// its commune's OA within 30 minutes, and a check that fails is logged
// with the commune and the group.
func TestProvinceUncheckedGroupCheckedThroughItsOA(t *testing.T) {
	p := newProvinceRig(t, "xa-c")
	p.notice(notices.Notice{Title: "Cảnh báo triều cường", Commune: notices.Province, Priority: notices.Urgent})
	p.step()
	p.step() // xa-c's two deliveries stay due: its OA is disconnected
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := p.runner.RefreshGroups(ctx); err != nil {
		t.Fatal(err)
	}
	g := zalosim.GeneratedGroupID(1, 2) // xa-a's ap-2
	if err := p.store.UpdateGroupFacts(p.ctx, g, notices.GroupFacts{TriedAt: p.clock.Now(),
		CheckError: "Chưa kết nối Zalo OA; quản trị cần kết nối OA (loaxa zalo connect hoặc trang quản trị)"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.sim.UpdateGroup(g, zalosim.GroupPatch{Members: ptr(61)}); err != nil {
		t.Fatal(err)
	}
	p.clock.Add(31 * time.Minute)
	start := time.Now()
	if err := p.runner.RefreshGroups(ctx); err != nil {
		t.Fatal(err)
	}
	f, _, _ := p.store.GroupFactsOf(p.ctx, g)
	if f.CheckError != "" || f.TotalMember != 61 || !f.Checked() {
		t.Errorf("after 31 minutes: %+v; want checked again through xa-a's OA, 61 members", f)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the run took %v: the disconnected commune's due deliveries held the checks", d)
	}
	// xa-c's groups cannot be checked: each failed try (one per run here,
	// two runs) is logged once, with the commune and the group, and
	// recorded with a true reason.
	gc := zalosim.GeneratedGroupID(3, 1)
	fc, _, _ := p.store.GroupFactsOf(p.ctx, gc)
	if !strings.Contains(fc.CheckError, "kết nối") || strings.Contains(fc.CheckError, "máy chủ Zalo") {
		t.Errorf("xa-c's group: check error %q; want the OA's lost connection", fc.CheckError)
	}
	var lines []string
	for _, l := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(l, gc) && strings.Contains(l, "check") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[0], `"commune":"xa-c"`) || !strings.Contains(lines[1], `"commune":"xa-c"`) {
		t.Errorf("log lines of the failed checks of %s: %q; want two (one a try), naming commune xa-c", gc, lines)
	}
}
