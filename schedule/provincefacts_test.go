package schedule_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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
	// xa-c's groups cannot be checked: recorded with a true reason; that
	// the commune's OA cannot call Zalo is logged once, with the commune,
	// not once per group and try (TestGroupChecksOfADisconnectedCommune).
	gc := zalosim.GeneratedGroupID(3, 1)
	fc, _, _ := p.store.GroupFactsOf(p.ctx, gc)
	if !strings.Contains(fc.CheckError, "kết nối") || strings.Contains(fc.CheckError, "máy chủ Zalo") {
		t.Errorf("xa-c's group: check error %q; want the OA's lost connection", fc.CheckError)
	}
	var lines []string
	for _, l := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(l, "group check") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], `"commune":"xa-c"`) {
		t.Errorf("log lines of the failed checks: %q; want one, naming commune xa-c", lines)
	}
}

// TestGroupChecksOfADisconnectedCommune: while xa-c's OA is disconnected,
// its groups' checks fail every 30 minutes; the log says so once when it
// starts and once when it ends, not per group and try, while each group's
// facts and the commune's gauge say it all along.
func TestGroupChecksOfADisconnectedCommune(t *testing.T) {
	p := newProvinceRig(t, "xa-c")
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	groups := []string{zalosim.GeneratedGroupID(3, 1), zalosim.GeneratedGroupID(3, 2)}
	count := func(s string) int { return strings.Count(p.logs.String(), s) }
	for run := range 4 {
		if err := p.runner.RefreshGroups(ctx); err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			f, _, _ := p.store.GroupFactsOf(p.ctx, g)
			if f.Checked() || !strings.Contains(f.CheckError, "loaxa zalo connect --commune xa-c") || !f.TriedAt.Equal(p.clock.Now().Truncate(time.Second)) {
				t.Errorf("run %d: xa-c's group %s: %+v; want tried now, unchecked, the lost connection as reason", run, g, f)
			}
		}
		rec := httptest.NewRecorder()
		p.runner.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if !strings.Contains(rec.Body.String(), `loaxa_commune_connected{commune="xa-c"} 0`) {
			t.Errorf("run %d: /metrics does not say xa-c is disconnected", run)
		}
		p.clock.Add(31 * time.Minute)
	}
	if k := count("group check with Zalo failed"); k != 0 {
		t.Errorf("%d per-group warnings of the checks of a disconnected commune; want none", k)
	}
	if k := count("group checks with Zalo fail"); k != 1 || !strings.Contains(p.logs.String(), `"commune":"xa-c","hamlet"`) {
		t.Errorf("the log said %d times that xa-c's group checks fail; want once, naming xa-c", k)
	}
	// Reconnected, its groups are checked and the log says so once.
	cl, ok := p.app.Lookup("xa-c")
	if !ok {
		t.Fatal("no client for xa-c")
	}
	if err := p.store.CommuneTokens(p.commune["xa-c"]).SaveZaloTokens(p.ctx, p.sim.OAs[2].AccessToken, p.sim.OAs[2].RefreshToken,
		time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := cl.Reload(p.ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := p.runner.RefreshGroups(ctx); err != nil {
			t.Fatal(err)
		}
		p.clock.Add(31 * time.Minute)
	}
	for _, g := range groups {
		if f, _, _ := p.store.GroupFactsOf(p.ctx, g); !f.Checked() || f.CheckError != "" {
			t.Errorf("xa-c's group %s after the reconnection: %+v; want checked", g, f)
		}
	}
	if k := count("group checks with Zalo work again"); k != 1 {
		t.Errorf("the log said %d times that xa-c's group checks work again; want once", k)
	}
}
