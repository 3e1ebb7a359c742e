package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// TestRotationsBesideTheCLINeverReuseARefreshToken rotates the token pair
// 200 times (LOAXA_ROTATIONS overrides) while `loaxa serve` sends a notice
// to 30 groups every second and `loaxa zalo status` and `loaxa hamlet sync` call Zalo in
// loops beside it, each a process of its own. Access tokens live 1 s and
// the test expires them every 100 ms besides, so that every process keeps
// meeting -220 and racing to refresh. The simulator revokes every token
// when a spent refresh token comes back, as a strict OAuth server does: at
// the end it has seen no reused refresh token, the OA is still connected,
// and every group got its message exactly once.
func TestRotationsBesideTheCLINeverReuseARefreshToken(t *testing.T) {
	if testing.Short() {
		t.Skip("builds loaxa and runs it as several processes; skipped with -short")
	}
	rotations := 200
	if v := os.Getenv("LOAXA_ROTATIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("LOAXA_ROTATIONS=%q: want a positive integer", v)
		}
		rotations = n
	}
	bin := buildLoaxa(t)
	groups, csv := manyGroups(t, 30, 8200, "ap", "Ấp")
	sim := zalosimtest.New(t, zalosim.WithGroups(groups...), zalosim.WithTokenTTL(time.Second),
		zalosim.WithConfig(func(c *zalosim.Config) { c.RevokeOnReuse = true }))
	c := simCLI(t, sim)
	c.env["ZALO_RATE_PER_MIN"] = "60000" // sends take a millisecond: the race is between refreshes, not the pacing
	c.ok("hamlet", "import", csv)

	logPath := filepath.Join(t.TempDir(), "serve.log")
	p := startServe(t, bin, c, logPath)
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("log tail:\n%s", tail(string(b), 30))
		}
	}()
	base := serveAddr(t, logPath, 1)
	if dst := os.Getenv("LOAXA_DEBUG_LOG"); dst != "" {
		defer func() { b, _ := os.ReadFile(logPath); os.WriteFile(dst, b, 0o600) }()
	}
	status := startHammer(t, bin, c, "zalo", "status")
	sync := startHammer(t, bin, c, "hamlet", "sync")

	start := time.Now()
	deadline := start.Add(3 * time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	notices := 0
	for st := sim.Stats(); st.Refreshes < rotations && st.ChainRevocations == 0 && time.Now().Before(deadline); st = sim.Stats() {
		<-tick.C
		sim.ExpireAccessTokens()
		if time.Since(start) > time.Duration(notices)*time.Second {
			// The daemon keeps sending: a notice to every group each second.
			notices++
			c.ok("notice", "add", "--title", "Bản tin số "+strconv.Itoa(notices), "--approve",
				"--body", "Thông báo số "+strconv.Itoa(notices)+" của UBND xã gửi bà con.")
		}
	}
	tick.Stop()
	took := time.Since(start)
	sOK, sFail, sLast := status.stop()
	yOK, yFail, yLast := sync.stop()
	st := sim.Stats()
	t.Logf("%d notices; %d rotations in %s; zalo status %d ok / %d failed, hamlet sync %d ok / %d failed; %d messages so far; simulator %+v",
		notices, st.Refreshes, took.Round(time.Millisecond), sOK, sFail, yOK, yFail, len(sim.AllMessages()), st)
	if st.Refreshes < rotations {
		t.Errorf("%d rotations in %s; want %d", st.Refreshes, took, rotations)
	}
	if st.ReusedRefresh != 0 || st.ChainRevocations != 0 {
		t.Errorf("simulator saw %d reused refresh tokens (%d chain revocations); want 0", st.ReusedRefresh, st.ChainRevocations)
	}
	if sOK == 0 || yOK == 0 {
		t.Errorf("the CLI never reached Zalo (zalo status %d ok, hamlet sync %d ok)", sOK, yOK)
	}
	for _, last := range []string{sLast, yLast} {
		if strings.Contains(last, "loaxa zalo connect") {
			t.Errorf("a CLI command was told to reconnect the OA: %s", last)
		}
	}

	// The OA is still connected, and the broadcast finishes, once per group.
	db, err := sql.Open("sqlite3", c.db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	finish := time.Now().Add(90 * time.Second)
	for {
		// Every notice materialised (the last one may be younger than a
		// poll), and nothing left to send.
		var pending, total int
		err := db.QueryRow(`SELECT count(*) FROM deliveries WHERE status IN ('queued', 'retry', 'sending')`).Scan(&pending)
		db.QueryRow(`SELECT count(*) FROM deliveries`).Scan(&total)
		if err == nil && pending == 0 && total == notices*len(groups) {
			break
		}
		if time.Now().After(finish) {
			t.Fatalf("%d deliveries still pending 90 s after the rotations", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, hz, err := getHealthz(base)
	if err != nil || !hz.Zalo.Connected {
		t.Errorf("/healthz after the rotations: %d %+v %v; want the OA connected", code, hz, err)
	}
	if out := c.ok("zalo", "status"); !strings.Contains(out, "Kết nối tốt") {
		t.Errorf("zalo status after the rotations = %q", out)
	}
	p.term(t)
	perGroup := map[string]map[string]int{}
	for _, m := range sim.AllMessages() {
		if perGroup[m.GroupID] == nil {
			perGroup[m.GroupID] = map[string]int{}
		}
		perGroup[m.GroupID][m.Text]++
	}
	var wrong int
	for _, g := range groups {
		got := perGroup[g.ID]
		for _, n := range got {
			if n != 1 {
				wrong++
			}
		}
		if len(got) != notices {
			wrong++
		}
	}
	var failed int
	db.QueryRow(`SELECT count(*) FROM deliveries WHERE status != 'sent'`).Scan(&failed)
	if wrong != 0 || failed != 0 {
		t.Errorf("%d (group, notice) pairs not delivered exactly once (%d notices to %d groups), %d deliveries not sent",
			wrong, notices, len(groups), failed)
	}
	if st := sim.Stats(); st.ReusedRefresh != 0 {
		t.Errorf("simulator saw %d reused refresh tokens by the end; want 0", st.ReusedRefresh)
	}
}
