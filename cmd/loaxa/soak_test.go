package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// soakLatency applies LOAXA_SOAK_LATENCY ("250ms±50ms", as `loaxa zalosim
// --latency`; default none) to the simulator's config: Zalo's round trip.
func soakLatency(t *testing.T, c *zalosim.Config) {
	t.Helper()
	base, jitter, err := zalosim.ParseLatency(os.Getenv("LOAXA_SOAK_LATENCY"))
	if err != nil {
		t.Fatalf("LOAXA_SOAK_LATENCY: %v", err)
	}
	c.Latency, c.LatencyJitter = base, jitter
}

// soakEnv reads an integer knob of the soak, with a default.
func soakEnv(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// TestFaultSoak is the fault soak of docs/RELIABILITY.md. It is opt-in:
//
//	LOAXA_SOAK=1 go test ./cmd/loaxa -run TestFaultSoak -v -timeout 30m
//
// with LOAXA_SOAK_GROUPS (default 500), LOAXA_SOAK_KILLS (default 25) and
// LOAXA_SOAK_SEED (default: the clock) to size and replay it, and
// LOAXA_SOAK_LATENCY (e.g. 250ms±50ms) for Zalo's round trip. Several
// notices — short, urgent with an image, one split into numbered parts, one
// with an image — go to every group while residents chat in the groups, the
// simulator answers 5xx, -200, slowly, loses answers after delivering,
// bursts of -32, access tokens expire every few seconds, and another
// program inserts poison rows; `loaxa serve` is SIGKILLed and restarted at
// random moments throughout. Every (notice, group, part) must arrive
// exactly once, and every poison row is refused.
func TestFaultSoak(t *testing.T) {
	if os.Getenv("LOAXA_SOAK") == "" {
		t.Skip("the fault soak is opt-in: LOAXA_SOAK=1 (see docs/RELIABILITY.md)")
	}
	nGroups := soakEnv(t, "LOAXA_SOAK_GROUPS", 500)
	nKills := soakEnv(t, "LOAXA_SOAK_KILLS", 25)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("LOAXA_SOAK_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("LOAXA_SOAK_SEED=%q: %v", v, err)
		}
		seed = s
	}
	rng := rand.New(rand.NewPCG(seed, 6))
	t.Logf("soak: %d groups, %d kills, seed %d (LOAXA_SOAK_SEED=%d replays the simulator's dice)", nGroups, nKills, seed, seed)

	bin := buildLoaxa(t)
	groups, csv := manyGroups(t, nGroups, 9100000, "thon", "Thôn")
	const tokenTTL = 4 * time.Second
	sim := zalosimtest.New(t, zalosim.WithGroups(groups...), zalosim.WithTokenTTL(tokenTTL),
		zalosim.WithConfig(func(c *zalosim.Config) { c.Seed = seed; soakLatency(t, c) }))
	c := simCLI(t, sim)
	c.env["LOAXA_POLL_INTERVAL"] = "200ms"
	c.env["ZALO_RATE_PER_MIN"] = strconv.Itoa(soakEnv(t, "LOAXA_SOAK_RATE_PER_MIN", 15000))
	c.ok("hamlet", "import", csv)
	c.ok("notice", "add", "--title", "Lịch họp dân", "--body", "Họp lúc 19 giờ tại nhà văn hóa thôn.", "--approve")
	c.ok("notice", "add", "--title", "Khẩn: nước lên", "--priority", "urgent", "--approve", "--image", writePNG(t),
		"--body", "Bà con vùng trũng di dời tài sản, người già và trẻ em lên chỗ cao trước 17 giờ.")
	c.ok("notice", "add", "--title", "Quy định mới về rác thải", "--approve",
		"--body", strings.Repeat("Từ tháng sau, rác thải sinh hoạt phải được phân loại tại nguồn trước khi thu gom. ", 60))
	c.ok("notice", "add", "--title", "Bản đồ vùng ngập", "--body", "Xem ảnh đính kèm: các tuyến đường ngập sâu.",
		"--image", writePNG(t), "--approve")

	// Faults on every send: transient ones that say nothing was done, slow
	// answers, and answers lost after the message was recorded. The history
	// the reconciler reads fails now and then too, and so does the token
	// endpoint (with a 503, which processes nothing).
	rates := []struct {
		f zalosim.Fault
		p float64
	}{
		{zalosim.Fault5xx, 0.02},
		{zalosim.FaultSendFailed, 0.02},
		{zalosim.FaultSlow.Taking(1500 * time.Millisecond), 0.02},
		{zalosim.FaultLostAnswer, 0.03},
		{zalosim.Fault5xx.On(zalosim.PathConversation), 0.10},
		{zalosim.Fault5xx.On(zalosim.PathAccessToken), 0.05},
	}
	for _, r := range rates {
		sim.SetFaultRate(r.f, r.p)
	}
	// Bursts of -32 (rate limit) every second or two, and now and then
	// every access token expired early (-220 until the next refresh), on
	// top of the short token life.
	stopBursts := make(chan struct{})
	var bursts sync.WaitGroup
	bursts.Add(1)
	var burstCount, expiries int
	go func() {
		defer bursts.Done()
		brng := rand.New(rand.NewPCG(seed, 32))
		for {
			select {
			case <-stopBursts:
				return
			case <-time.After(time.Duration(1000+brng.IntN(1000)) * time.Millisecond):
				if brng.IntN(3) == 0 {
					sim.ExpireAccessTokens()
					expiries++
				} else if len(sim.Faults().Next) == 0 {
					// One burst at a time: bursts queued while the daemon
					// is down would pile up into a minute-long drip of -32
					// that no real Zalo sends.
					sim.FailNext(3+brng.IntN(8), zalosim.FaultCode(zalosim.CodeRateLimited))
					burstCount++
				}
			}
		}
	}()

	db, err := sql.Open("sqlite3", c.db+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pending := func() (pending, total int) {
		db.QueryRow(`SELECT count(*) FROM deliveries WHERE status IN ('queued', 'retry', 'sending')`).Scan(&pending)
		db.QueryRow(`SELECT count(*) FROM deliveries`).Scan(&total)
		return pending, total
	}

	// Residents chat in the groups (about 20 messages a second in all), so
	// that reconciliation pages through busy histories, 10 items a request.
	stopChat := make(chan struct{})
	var chat sync.WaitGroup
	chat.Add(1)
	go func() {
		defer chat.Done()
		crng := rand.New(rand.NewPCG(seed, 20))
		for {
			select {
			case <-stopChat:
				return
			case <-time.After(50 * time.Millisecond):
				sim.PostAsMember(groups[crng.IntN(len(groups))].ID, "Cư dân", "Dạ, cảm ơn ấp "+strconv.Itoa(crng.IntN(1000)))
			}
		}
	}()
	stopChatting := sync.OnceFunc(func() { close(stopChat); chat.Wait() })
	defer stopChatting()
	// Poison rows from another program, mid-run: the schema refuses each
	// one, and nothing else is held up by it (docs/schema.md).
	poison := []string{
		`INSERT INTO notices (title, body, status, targets) VALUES ('Hỏng 1', 'x', 'approved', 'thon-1,thon-2,thon-1')`,
		`INSERT INTO notices (title, body, status, approved_at) VALUES ('Hỏng 2', 'x', 'approved', 'hôm qua')`,
		`INSERT INTO notices (title, body, status) VALUES ('Hỏng 3', 'A' || char(0) || hex(randomblob(30000)), 'approved')`,
		`INSERT INTO notices (title, body, status, targets) VALUES ('Hỏng 4', 'x', 'approved', 'khong-co')`,
	}
	poisonRefused := 0
	insertPoison := func(i int) {
		if _, err := db.Exec(poison[i%len(poison)]); err != nil {
			poisonRefused++
		} else {
			t.Errorf("poison row %d was accepted: %s", i%len(poison), poison[i%len(poison)])
		}
	}

	logPath := filepath.Join(t.TempDir(), "serve.log")
	if p := os.Getenv("LOAXA_SOAK_LOG"); p != "" {
		logPath = p // kept after the test, to read
		os.Remove(p)
	}
	start := time.Now()
	kills, stranded := 0, 0
	for kills < nKills {
		p := startServe(t, bin, c, logPath)
		// Mostly mid-broadcast, sometimes during start-up reconciliation.
		var d time.Duration
		if rng.IntN(4) == 0 {
			d = time.Duration(20+rng.IntN(300)) * time.Millisecond
		} else {
			d = time.Duration(300+rng.IntN(2500)) * time.Millisecond
		}
		time.Sleep(d / 2)
		insertPoison(kills)
		time.Sleep(d - d/2)
		p.kill(t)
		kills++
		if rotated, ok := reconnectIfStranded(t, db, sim); ok {
			stranded++
			t.Logf("kill %d landed inside a token refresh (rotated: %t): reconnecting the OA", kills, rotated)
		}
		if n, total := pending(); total > 0 && n == 0 {
			t.Logf("the broadcast finished after %d kills", kills)
			break
		}
	}
	close(stopBursts)
	bursts.Wait()
	// Drop a burst left unconsumed; keep the random faults.
	sim.ClearFaults()
	for _, r := range rates {
		sim.SetFaultRate(r.f, r.p)
	}
	mid := len(sim.AllMessages())
	st := sim.Stats()

	// A last run under the same faults (no more kills) settles what the
	// kills left and finishes the broadcast.
	p := startServe(t, bin, c, logPath)
	deadline := time.Now().Add(time.Duration(nGroups/2+300) * time.Second)
	for {
		n, total := pending()
		if total > 0 && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			p.kill(t)
			log, _ := os.ReadFile(logPath)
			var marked int
			db.QueryRow(`SELECT count(*) FROM daemon_state WHERE key = 'zalo_refresh_started_at'`).Scan(&marked)
			t.Fatalf("%d of %d deliveries still pending (refresh mark left: %t); log tail:\n%s", n, total, marked > 0, tail(string(log), 40))
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.term(t)
	stopChatting()
	took := time.Since(start)
	sim.ClearFaults()
	final := sim.Stats()

	want := map[string]map[string]int{}
	rows, err := db.Query(`SELECT d.group_id, b.body, d.status, coalesce(d.error, '') FROM deliveries d JOIN delivery_bodies b ON b.delivery_id = d.id`)
	if err != nil {
		t.Fatal(err)
	}
	deliveries, notSent := 0, 0
	for rows.Next() {
		var g, body, status, why string
		if err := rows.Scan(&g, &body, &status, &why); err != nil {
			t.Fatal(err)
		}
		if status != "sent" {
			notSent++
			if notSent <= 5 {
				t.Errorf("a delivery to %s ended %s (%s); want sent", g, status, why)
			}
		}
		if want[g] == nil {
			want[g] = map[string]int{}
		}
		want[g][body]++
		deliveries++
	}
	rows.Close()
	// 1 + 1 + 3 parts + 1 image per group.
	if wantRows := nGroups * 6; deliveries != wantRows {
		t.Errorf("%d delivery rows; want %d groups × 6 parts = %d", deliveries, nGroups, wantRows)
	}
	var dup, lost, stray, images int
	for _, g := range groups {
		got := map[string]int{}
		for _, m := range sim.Messages(g.ID) {
			got[m.Text]++
			if m.AttachmentID != "" || m.ImageURL != "" {
				images++
			}
		}
		for body, n := range want[g.ID] {
			switch {
			case got[body] > n:
				dup += got[body] - n
				t.Errorf("group %s got %d× (want %d): %.60q", g.ID, got[body], n, body)
			case got[body] < n:
				lost += n - got[body]
			}
		}
		for body := range got {
			if want[g.ID][body] == 0 {
				stray++
			}
		}
	}
	log, _ := os.ReadFile(logPath)
	reconciled := strings.Count(string(log), "delivery reconciled against the group's conversation")
	refused := strings.Count(string(log), "zalo refused the refresh token") +
		strings.Count(string(log), "the zalo refresh token may be spent")
	var windows []int
	for _, line := range strings.Split(string(log), "\n") {
		if !strings.Contains(line, "zalo tokens rotated and stored") {
			continue
		}
		var e struct {
			TookMS int `json:"took_ms"`
		}
		if json.Unmarshal([]byte(line), &e) == nil {
			windows = append(windows, e.TookMS)
		}
	}
	slices.Sort(windows)
	p50, pmax := -1, -1
	if len(windows) > 0 {
		p50, pmax = windows[len(windows)/2], windows[len(windows)-1]
	}
	t.Logf("SOAK RESULT groups=%d notices=4 delivery_rows=%d messages=%d image_messages=%d kills=%d duration=%s",
		nGroups, deliveries, len(sim.AllMessages()), images, kills, took.Round(time.Second))
	t.Logf("SOAK RESULT messages_before_last_run=%d api_requests=%d faults_injected=%d (during kills: %d) rate_limit_bursts=%d window_rate_limited=%d",
		mid, final.Requests, final.Faults, st.Faults, burstCount, final.RateLimited)
	t.Logf("SOAK RESULT token_refreshes=%d token_ttl=%s early_expiries=%d expired_or_invalid_token_answers=%d reconciled=%d",
		final.Refreshes, tokenTTL, expiries, final.TokenRefused, reconciled)
	t.Logf("SOAK RESULT refresh_request_to_commit_ms p50=%d max=%d; kills_inside_that_window=%d refused_refreshes_logged=%d",
		p50, pmax, stranded, refused)
	t.Logf("SOAK RESULT member_posts=%d poison_rows_refused=%d", final.MemberPosts, poisonRefused)
	t.Logf("SOAK RESULT duplicates=%d lost=%d stray=%d not_sent=%d", dup, lost, stray, notSent)
	if dup != 0 || lost != 0 || stray != 0 {
		t.Errorf("after %d kills: %d messages sent twice, %d lost, %d unaccounted for; want 0, 0, 0", kills, dup, lost, stray)
	}
	if images != 2*nGroups {
		t.Errorf("%d image messages; want two per group, %d", images, 2*nGroups)
	}
	if poisonRefused != min(kills, nKills) {
		t.Errorf("%d of %d poison rows refused", poisonRefused, min(kills, nKills))
	}
}

// writePNG writes a small PNG image and returns its path.
func writePNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		for y := range 24 {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 10), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "ban-do.png", b.String())
}
