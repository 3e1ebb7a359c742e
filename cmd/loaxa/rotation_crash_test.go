package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// serveAddr waits for the n-th "admin site listening" line of a
// startServe log and returns its address.
func serveAddr(t *testing.T, logPath string, n int) string {
	t.Helper()
	re := regexp.MustCompile(`"addr":"(http://[^"]+)"[^\n]*"message":"admin site listening"`)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(logPath)
		if m := re.FindAllStringSubmatch(string(b), -1); len(m) >= n {
			return m[n-1][1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("loaxa serve did not listen in 15s:\n%s", tail(string(b), 20))
	return ""
}

type healthz struct {
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
	Zalo     struct {
		Connected bool   `json:"connected"`
		LastError string `json:"last_error"`
	} `json:"zalo"`
}

func getHealthz(base string) (int, healthz, error) {
	var h healthz
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return 0, h, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&h)
	return resp.StatusCode, h, err
}

// TestKillDuringTokenRotation kills `loaxa serve` in the one moment that
// can strand the OA: Zalo has rotated the token pair (the old refresh token
// is spent) and its answer has not reached our database. The next start
// must say so loudly — /healthz, an error line, the reason and the exact
// step — keep the queue, and send it once, exactly once, after reconnecting.
// Throughout, `loaxa zalo status` calls Zalo in a loop beside the daemon,
// against a strict simulator that revokes every token when a spent refresh
// token comes back: nobody sends the spent token again, not the CLI waiting
// on the refresh lock when the daemon dies, not the restarted daemon.
func TestKillDuringTokenRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds loaxa and kills it; skipped with -short")
	}
	bin := buildLoaxa(t)
	sim := zalosimtest.New(t, zalosim.WithConfig(func(c *zalosim.Config) { c.RevokeOnReuse = true }))
	c := simCLI(t, sim)
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", sim.Groups()[0].ID)
	c.ok("notice", "add", "--title", "Cúp điện", "--body", "Cúp điện từ 8 giờ đến 11 giờ sáng mai.", "--approve")

	// Zalo rotates at once and answers three seconds later.
	sim.FailNext(1, zalosim.FaultSlowAnswer.Taking(3*time.Second).On(zalosim.PathAccessToken))
	logPath := filepath.Join(t.TempDir(), "serve.log")
	p := startServe(t, bin, c, logPath)
	waitFor(t, "Zalo to rotate the pair", func() bool { return sim.Stats().Refreshes == 1 })
	// The daemon holds the refresh lock, waiting for the answer; the CLI
	// now needs a refresh too and waits on the lock.
	h := startHammer(t, bin, c, "zalo", "status")
	time.Sleep(500 * time.Millisecond)
	p.kill(t)

	db, err := sql.Open("sqlite3", c.db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored, mark string
	if err := db.QueryRow(`SELECT refresh_token FROM zalo_tokens`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == sim.Credentials().RefreshToken {
		t.Fatal("the rotated pair reached the database; the kill missed the window")
	}
	if err := db.QueryRow(`SELECT value FROM daemon_state WHERE key = 'zalo_refresh_started_at'`).Scan(&mark); err != nil {
		t.Errorf("no mark of the refresh in flight: %v", err)
	}

	// The next start: loud and clear, nothing sent, the queue kept.
	p = startServe(t, bin, c, logPath)
	base := serveAddr(t, logPath, 2)
	var hz healthz
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("log:\n%s", tail(string(b), 25))
			_, got, _ := getHealthz(base)
			t.Logf("/healthz: %+v", got)
		}
	}()
	waitFor(t, "/healthz to report the stranded OA", func() bool {
		code, got, err := getHealthz(base)
		hz = got
		return err == nil && code == http.StatusServiceUnavailable && !got.Zalo.Connected && got.Zalo.LastError != ""
	})
	t.Logf("/healthz: %+v", hz)
	problems := strings.Join(hz.Problems, " ")
	for _, want := range []string{"loaxa zalo connect", "Kết nối Zalo OA", "never stored Zalo's answer"} {
		if !strings.Contains(problems, want) {
			t.Errorf("/healthz problems %q lack %q", problems, want)
		}
	}
	log, _ := os.ReadFile(logPath)
	if !regexp.MustCompile(`"level":"error"[^\n]*never stored Zalo's answer[^\n]*loaxa zalo connect`).Match(log) {
		t.Errorf("no error-level log line names the interrupted rotation and the step:\n%s", tail(string(log), 15))
	}
	waitFor(t, "the CLI to report the stranded OA", func() bool {
		_, failed, last := h.counts()
		return failed > 0 && strings.Contains(last, "loaxa zalo connect")
	})
	if n := len(sim.AllMessages()); n != 0 {
		t.Errorf("%d messages sent while stranded; want 0", n)
	}

	// The admin reconnects with `loaxa zalo connect`: the queue goes out,
	// once, and the CLI works again.
	connectOA(t, c, "https://xa.example.vn/zalo/callback")
	okBefore, _, _ := h.counts()
	// The claim the killed run left is settled from the group's history
	// once its request cannot still be landing (ReconcileAfter, 20 s).
	deadline := time.Now().Add(45 * time.Second)
	for len(sim.AllMessages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	waitFor(t, "/healthz to recover", func() bool {
		code, _, err := getHealthz(base)
		return err == nil && code == http.StatusOK
	})
	waitFor(t, "the CLI to work again", func() bool { ok, _, _ := h.counts(); return ok > okBefore })
	ok, failed, _ := h.stop()
	p.term(t)
	if n := len(sim.AllMessages()); n != 1 {
		t.Errorf("%d messages after reconnecting; want exactly 1", n)
	}
	st := sim.Stats()
	t.Logf("zalo status beside the daemon: %d ok, %d failed; simulator: %+v", ok, failed, st)
	if st.ReusedRefresh != 0 || st.ChainRevocations != 0 {
		t.Errorf("simulator saw %d reused refresh tokens (%d chain revocations); want 0", st.ReusedRefresh, st.ChainRevocations)
	}
}

// hammer runs one loaxa command in a loop, as separate processes, until
// stopped. Stopping lets the command that runs finish: killing a CLI in the
// middle of a token refresh would strand the OA, as killing the daemon does.
type hammer struct {
	mu          sync.Mutex
	ok, failed  int
	lastFailure string
	stopping    atomic.Bool
	done        chan struct{}
}

func startHammer(t *testing.T, bin string, c *cli, args ...string) *hammer {
	t.Helper()
	h := &hammer{done: make(chan struct{})}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LOAXA_DB=" + c.db}
	for k, v := range c.env {
		env = append(env, k+"="+v)
	}
	go func() {
		defer close(h.done)
		for !h.stopping.Load() {
			cmd := exec.Command(bin, args...)
			cmd.Env = env
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			err := cmd.Run()
			h.mu.Lock()
			if err == nil {
				h.ok++
			} else {
				h.failed++
				h.lastFailure = strings.TrimSpace(errOut.String())
			}
			h.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { h.stop() })
	return h
}

func (h *hammer) counts() (ok, failed int, lastFailure string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ok, h.failed, h.lastFailure
}

func (h *hammer) stop() (ok, failed int, lastFailure string) {
	h.stopping.Store(true)
	<-h.done
	return h.counts()
}
