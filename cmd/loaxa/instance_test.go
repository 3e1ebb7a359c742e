package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// runBin runs the built loaxa once with c's environment and returns its
// stdout, stderr and exit status.
func runBin(t *testing.T, bin string, c *cli, timeout time.Duration, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LOAXA_DB=" + c.db}
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("loaxa %s did not finish in %s:\n%s", strings.Join(args, " "), timeout, errOut.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// TestSecondDaemonIsRefused starts two `loaxa serve` on one database: the
// second exits 1 with one line naming the first (pid, host, since when),
// and the first keeps sending. Then the first is killed with SIGKILL, and a
// second one starts and finishes the broadcast, each message once.
func TestSecondDaemonIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds loaxa and runs it as processes; skipped with -short")
	}
	bin := buildLoaxa(t)
	groups, csv := manyGroups(t, 40, 5100, "khom", "Khóm")
	sim := zalosimtest.New(t, zalosim.WithGroups(groups...))
	c := simCLI(t, sim)
	c.env["ZALO_RATE_PER_MIN"] = "600" // 10 a second: the broadcast lasts a few seconds
	c.ok("hamlet", "import", csv)
	c.ok("notice", "add", "--title", "Tiêm chủng", "--body", "Tiêm chủng sáng thứ Bảy tại trạm y tế.", "--approve")

	logPath := filepath.Join(t.TempDir(), "serve.log")
	first := startServe(t, bin, c, logPath)
	defer func() {
		if first.cmd.ProcessState == nil {
			first.kill(t)
		}
	}()
	serveAddr(t, logPath, 1)
	waitFor(t, "the first daemon to send", func() bool { return len(sim.AllMessages()) > 0 })

	_, stderr, code := runBin(t, bin, c, 20*time.Second, "serve")
	if code != 1 {
		t.Errorf("second loaxa serve exited %d; want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	host, _ := os.Hostname()
	if len(lines) != 1 {
		t.Errorf("second loaxa serve wrote %d lines to stderr; want one:\n%s", len(lines), stderr)
	}
	for _, want := range []string{"pid " + strconv.Itoa(first.cmd.Process.Pid), host, "loaxa serve đang chạy", c.db, "từ "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("refusal %q does not contain %q", stderr, want)
		}
	}
	t.Logf("refusal: %s", strings.TrimSpace(stderr))
	h, held, err := notices.InstanceLockHolder(c.db)
	if err != nil || !held || h.PID != first.cmd.Process.Pid || h.Command != "serve" {
		t.Errorf("InstanceLockHolder = %+v, held %v, %v; want the first daemon, held", h, held, err)
	}

	// The first one goes on sending.
	after := len(sim.AllMessages())
	waitFor(t, "the first daemon to keep sending", func() bool { return len(sim.AllMessages()) > after+5 })
	if n := len(sim.AllMessages()); n >= len(groups) {
		t.Fatalf("the broadcast finished (%d messages) before the kill; slow it down", n)
	}

	// SIGKILL: the kernel drops the lock, and the next daemon starts.
	first.kill(t)
	if _, held, _ := notices.InstanceLockHolder(c.db); held {
		t.Error("the guard is still held after SIGKILL")
	}
	second := startServe(t, bin, c, logPath)
	serveAddr(t, logPath, 2)
	deadline := time.Now().Add(60 * time.Second)
	for len(sim.AllMessages()) < len(groups) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	second.term(t)
	perGroup := map[string]int{}
	for _, m := range sim.AllMessages() {
		perGroup[m.GroupID]++
	}
	for _, g := range groups {
		if perGroup[g.ID] != 1 {
			t.Errorf("group %s got %d messages; want exactly 1", g.ID, perGroup[g.ID])
		}
	}
}
