package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// syncBuffer is a bytes.Buffer safe for the daemon's log writer and the
// test reading it at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// simCLI is a CLI whose Zalo is the simulator.
func simCLI(t testing.TB, sim *zalosimtest.Server) *cli {
	c := newCLI(t)
	c.env["ZALO_API_BASE"], c.env["ZALO_OAUTH_BASE"] = sim.URL, sim.URL
	c.env["ZALO_APP_ID"], c.env["ZALO_APP_SECRET"] = sim.AppID, sim.AppSecret
	c.env["ZALO_REFRESH_TOKEN"] = sim.RefreshToken
	c.env["LOAXA_QUIET_HOURS"] = "off"
	c.env["LOAXA_POLL_INTERVAL"] = "100ms"
	c.env["LOAXA_HTTP_ADDR"] = "127.0.0.1:0"
	return c
}

// serve runs `loaxa serve` until the returned stop is called; stop returns
// run's error. The base URL of its HTTP server is read from its log.
func (c *cli) serve() (base string, log *syncBuffer, stop func() error) {
	c.t.Helper()
	env := map[string]string{"LOAXA_DB": c.db}
	for k, v := range c.env {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	log = &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, log)
	}()
	re := regexp.MustCompile(`"addr":"(http://[^"]+)"[^\n]*"message":"admin site listening"`)
	deadline := time.Now().Add(10 * time.Second)
	for base == "" {
		select {
		case err := <-done:
			cancel()
			c.t.Fatalf("serve exited early: %v\n%s", err, log)
		default:
		}
		if m := re.FindStringSubmatch(log.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			cancel()
			c.t.Fatalf("serve did not start in 10s:\n%s", log)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				c.t.Fatal("serve did not stop within 30s of its signal")
			}
		})
		return err
	}
	c.t.Cleanup(func() { stop() })
	return base, log, stop
}

// waitFor polls cond until it holds or 15 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countText(sim *zalosimtest.Server, s string) map[string]int {
	got := map[string]int{}
	for _, m := range sim.AllMessages() {
		if strings.Contains(m.Text, s) {
			got[m.GroupID]++
		}
	}
	return got
}

func TestServeDeliversCLIAndExternalNoticesExactlyOnce(t *testing.T) {
	sim := zalosimtest.New(t)
	groups := sim.Groups()
	c := simCLI(t, sim)
	for i, g := range groups {
		c.ok("hamlet", "add", "--name", fmt.Sprintf("Khóm %d", i+1), "--group-id", g.ID)
	}
	c.ok("hamlet", "add", "--name", "Ấp Ngoài OA", "--group-id", "00000000000000000403")
	long := strings.Repeat("Bà con lưu ý lịch cắt điện luân phiên trong tuần tới tại các tuyến đường chính. ", 70)
	c.ok("notice", "add", "--title", "Họp dân định kỳ", "--body", "Mời bà con dự họp lúc 19 giờ.", "--approve")
	c.ok("notice", "add", "--title", "Chưa được duyệt", "--body", "Không được gửi.")
	c.ok("notice", "add", "--title", "Hẹn ngày mai", "--body", "Chưa đến giờ.", "--at", time.Now().Add(24*time.Hour).Format(time.RFC3339), "--approve")
	c.ok("notice", "add", "--title", "Thông báo dài", "--body", long, "--hamlets", "khom-1", "--approve")

	base, log, stop := c.serve()

	// Another program inserts a notice while the daemon runs.
	db, err := sql.Open("sqlite3", c.db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO notices (title, body, status) VALUES ('Cúp nước', 'Sáng mai cúp nước từ 8 giờ.', 'approved')`); err != nil {
		t.Fatal(err)
	}

	waitFor(t, "the CLI and SQL notices in every group", func() bool {
		return len(countText(sim, "Họp dân định kỳ")) == len(groups) && len(countText(sim, "Cúp nước")) == len(groups) &&
			len(sim.Messages(groups[0].ID)) >= 5
	})
	// Let any duplicate have its chance to show up.
	time.Sleep(500 * time.Millisecond)
	for _, title := range []string{"Họp dân định kỳ", "Cúp nước"} {
		for _, g := range groups {
			if n := countText(sim, title)[g.ID]; n != 1 {
				t.Errorf("group %s received %q %d times; want exactly 1", g.ID, title, n)
			}
		}
	}
	for _, title := range []string{"Chưa được duyệt", "Hẹn ngày mai"} {
		if n := len(countText(sim, title)); n != 0 {
			t.Errorf("%q reached %d groups; want 0", title, n)
		}
	}
	var parts []string
	for _, m := range sim.Messages(groups[0].ID) {
		if strings.Contains(m.Text, "lịch cắt điện luân phiên") {
			parts = append(parts, m.Text)
		}
	}
	if len(parts) < 3 {
		t.Fatalf("the %d-character notice arrived in %d parts; want at least 3", len([]rune(long)), len(parts))
	}
	for i, p := range parts {
		if want := fmt.Sprintf("(%d/%d)", i+1, len(parts)); !strings.HasPrefix(p, want) {
			t.Errorf("part %d starts %.20q; want %s, in order", i+1, p, want)
		}
	}

	// Operations endpoints.
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Status string `json:"status"`
		Zalo   struct {
			Connected bool `json:"connected"`
		} `json:"zalo"`
		Groups []struct {
			Kind   string `json:"kind"`
			Hamlet string `json:"hamlet"`
		} `json:"groups"`
	}
	// The hamlet whose group the OA is not in (it was added before Zalo
	// could be asked) raises the one alarm: degraded, still 200.
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 || h.Status != "degraded" ||
		!h.Zalo.Connected || len(h.Groups) != 1 || h.Groups[0].Hamlet != "ap-ngoai-oa" || h.Groups[0].Kind != "gone" {
		t.Errorf("/healthz = %d %+v (%v); want 200, degraded by ap-ngoai-oa's gone group only, connected", resp.StatusCode, h, err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + "/public")
	if err != nil {
		t.Fatal(err)
	}
	public, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(public), "Họp dân định kỳ") || strings.Contains(string(public), "Chưa được duyệt") {
		t.Errorf("GET /public = %d; want the sent notices and not the pending one", resp.StatusCode)
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`loaxa_deliveries{state="sent"}`, `loaxa_zalo_errors_total{code="-403"} 2`, "loaxa_send_duration_seconds_count", "loaxa_zalo_connected 1"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, metrics)
		}
	}

	if err := stop(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	if !strings.Contains(log.String(), "daemon stopped") {
		t.Errorf("the log does not say the daemon stopped:\n%s", log)
	}
	// The permanent error failed that hamlet only, and says why.
	out := c.ok("notice", "show", "1")
	var failedLine string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "ap-ngoai-oa") {
			failedLine = line
		}
	}
	if !strings.Contains(failedLine, "gửi lỗi") || !strings.Contains(failedLine, "OA không ở trong nhóm") {
		t.Errorf("notice show, hamlet outside the OA: %q; want failed with the reason\n%s", failedLine, out)
	}
	// Its status says so, in show and in list, and never "đã gửi xong".
	if !strings.Contains(out, "Trạng thái:      đang gửi, 1 ấp lỗi\n") && !strings.Contains(out, "Trạng thái:      đã gửi, 1 ấp lỗi\n") {
		t.Errorf("notice show 1 does not count its failed hamlet in its status:\n%s", out)
	}
	for _, line := range strings.Split(c.ok("notice", "list"), "\n") {
		if strings.HasPrefix(line, "1 ") && (!strings.Contains(line, ", 1 ấp lỗi") || strings.Contains(line, "đã gửi xong")) {
			t.Errorf("notice list row of notice 1 = %q; want its failed hamlet counted", line)
		}
	}
	if n := strings.Count(out, "đã gửi"); n < len(groups) {
		t.Errorf("notice show lists %d hamlets sent; want %d\n%s", n, len(groups), out)
	}
}

func TestRefusedRefreshTokenPausesSendingAndSaysSo(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	c.env["ZALO_REFRESH_TOKEN"] = "a-refresh-token-zalo-no-longer-accepts"
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", sim.Groups()[0].ID)
	c.ok("notice", "add", "--title", "Giữ trong hàng đợi", "--body", "Chờ kết nối lại.", "--approve")
	base, log, stop := c.serve()

	var h struct {
		OK       bool     `json:"ok"`
		Problems []string `json:"problems"`
	}
	waitFor(t, "/healthz to report the lost connection", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		h.Problems = nil
		return json.NewDecoder(resp.Body).Decode(&h) == nil && resp.StatusCode == 503 &&
			strings.Contains(strings.Join(h.Problems, " "), "loaxa zalo connect")
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(sim.AllMessages()); n != 0 {
		t.Errorf("%d messages sent with a refused refresh token; want 0", n)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`"level":"error"[^\n]*reconnect`).MatchString(log.String()) {
		t.Errorf("no error-level log line tells how to reconnect:\n%s", log)
	}
	if out := c.ok("notice", "show", "1"); !strings.Contains(out, "chờ gửi") {
		t.Errorf("the notice is not kept in the queue:\n%s", out)
	}
	// Reconnected (the simulator's valid refresh token stored, as
	// `loaxa zalo connect` would), the queue goes out.
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE zalo_tokens SET access_token = '', refresh_token = ?`, sim.RefreshToken); err != nil {
		t.Fatal(err)
	}
	_, _, stop = c.serve()
	waitFor(t, "the queued notice after reconnecting", func() bool { return len(sim.AllMessages()) == 1 })
	stop()
}
