package schedule_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
)

// The footprint is measured on a daemon in a child process (this test
// binary, running TestBenchChild), so that neither the simulator nor the
// benchmark's own allocations count: the parent serves the simulator and
// reads the child's resource usage.

// BenchmarkFootprint reports, for a daemon in its own process:
//
//	fanout10k: peak_rss_MB, the child's maximum resident set while it
//	materialises and sends one notice to 10,000 groups (target < 40), and
//	its CPU time and end-to-end time for it;
//	idle: idle_cpu_pct, the CPU the child uses, started and idle, over
//	LOAXA_BENCH_IDLE (default 10s; docs/PERFORMANCE.md uses 1m), as a
//	share of one core (target < 1).
func BenchmarkFootprint(b *testing.B) {
	b.Run("fanout10k", func(b *testing.B) {
		const groups = 10000
		r := newBenchRig(b, benchOptions{groups: groups})
		for range b.N {
			base := r.sends()
			child, out, stdin := startChild(b, r, "fanout", nil)
			t0 := time.Now()
			r.waitSends(base, base+groups, 5*time.Minute)
			took := time.Since(t0)
			stdin.Close()
			ru, rest := waitChild(b, child, out)
			if got := r.sends() - base; got != groups {
				b.Fatalf("the child sent %d messages; want %d", got, groups)
			}
			// The child's own peak (VmHWM), not ru_maxrss: Linux counts in a
			// child's ru_maxrss the RSS of the parent it was forked from,
			// and this parent holds a 10,000-group simulator (a second
			// -count read ~54 MB whatever the child did).
			var hwm int64
			for _, l := range strings.Split(rest, "\n") {
				if _, err := fmt.Sscanf(l, "hwm %d", &hwm); err == nil {
					break
				}
			}
			if hwm == 0 {
				b.Fatalf("the child did not report its peak RSS:\n%s", rest)
			}
			b.ReportMetric(float64(hwm)/1024, "peak_rss_MB")
			b.ReportMetric(float64(groups)/took.Seconds(), "deliveries/s")
			b.ReportMetric(float64(ru.Utime.Nano()+ru.Stime.Nano())/1e6, "child_cpu_ms")
		}
	})
	b.Run("idle", func(b *testing.B) {
		r := newBenchRig(b, benchOptions{groups: 20})
		idle := envDuration("LOAXA_BENCH_IDLE", 10*time.Second)
		for range b.N {
			child, out, stdin := startChild(b, r, "idle", []string{"LOAXA_BENCH_IDLE=" + idle.String()})
			line := readLine(b, out, "idle ")
			stdin.Close()
			waitChild(b, child, out)
			var cpu, wall int64
			if _, err := fmt.Sscanf(line, "idle %d %d", &cpu, &wall); err != nil {
				b.Fatalf("child said %q: %v", line, err)
			}
			b.ReportMetric(100*float64(cpu)/float64(wall), "idle_cpu_pct")
			b.ReportMetric(float64(wall)/1e9, "seconds")
		}
	})
}

// startChild runs TestBenchChild in a new process of this test binary on
// the rig's database and simulator, and waits until it says it is ready.
func startChild(b *testing.B, r *benchRig, role string, env []string) (*exec.Cmd, *bufio.Reader, io.WriteCloser) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOAXA_BENCH_CHILD="+role, "LOAXA_BENCH_DB="+r.path,
		"LOAXA_BENCH_API="+r.sim.URL, "LOAXA_BENCH_APP="+r.sim.AppID, "LOAXA_BENCH_SECRET="+r.sim.AppSecret)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	readLine(b, out, "ready")
	return cmd, out, stdin
}

// readLine reads the child's output up to a line that starts with prefix.
func readLine(b *testing.B, out *bufio.Reader, prefix string) string {
	b.Helper()
	for {
		line, err := out.ReadString('\n')
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(line)
		}
		if err != nil {
			b.Fatalf("child ended before saying %q: %v", prefix, err)
		}
	}
}

func waitChild(b *testing.B, cmd *exec.Cmd, out *bufio.Reader) (*syscall.Rusage, string) {
	b.Helper()
	rest, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		b.Fatalf("child: %v\n%s", err, rest)
	}
	return cmd.ProcessState.SysUsage().(*syscall.Rusage), string(rest)
}

// peakRSS is this process's peak resident set in kB (VmHWM), or 0 where
// /proc does not say.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(l, "VmHWM: %d kB", &kb); err == nil {
			return kb
		}
	}
	return 0
}

// TestBenchChild is the daemon side of BenchmarkFootprint; it does nothing
// unless LOAXA_BENCH_CHILD is set. It wires the store, client and runner as
// `loaxa serve` does (without the admin site), says "ready", and:
//
//	fanout: approves one notice for every hamlet, runs until its stdin
//	        closes, stops and prints "hwm <peak RSS in kB>";
//	idle:   stays idle for LOAXA_BENCH_IDLE and prints "idle <cpu ns>
//	        <wall ns>", measured with getrusage after two seconds of
//	        settling.
func TestBenchChild(t *testing.T) {
	role := os.Getenv("LOAXA_BENCH_CHILD")
	if role == "" {
		t.Skip("only run by BenchmarkFootprint")
	}
	ctx := context.Background()
	log := benchLog()
	store, err := notices.Open(ctx, os.Getenv("LOAXA_BENCH_DB"), notices.Options{Location: hcm, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	api := os.Getenv("LOAXA_BENCH_API")
	client := bot.NewClient(bot.Config{APIBase: api, OAuthBase: api, AppID: os.Getenv("LOAXA_BENCH_APP"),
		AppSecret: os.Getenv("LOAXA_BENCH_SECRET"), RatePerMin: -1}, store, log)
	run, err := schedule.New(benchConfig(), store, schedule.NewOneCommune(1, client), log)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			run.Stop(ctx)
		}
	}()
	switch role {
	case "fanout":
		n := notices.Notice{Title: "Tổng vệ sinh môi trường", Body: benchBody, Status: notices.StatusApproved,
			Source: notices.SourceWeb, Author: "canbo"}
		if err := store.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		fmt.Println("ready")
		io.Copy(io.Discard, os.Stdin)
		run.Stop(ctx) // every outcome recorded: the peak includes the whole fan-out
		stopped = true
		fmt.Println("hwm", peakRSS())
	case "idle":
		fmt.Println("ready")
		time.Sleep(2 * time.Second)
		d, _ := time.ParseDuration(os.Getenv("LOAXA_BENCH_IDLE"))
		c0, w0 := cpuTime(), time.Now()
		time.Sleep(d)
		fmt.Println("idle", strconv.FormatInt(int64(cpuTime()-c0), 10), strconv.FormatInt(int64(time.Since(w0)), 10))
		io.Copy(io.Discard, os.Stdin)
	default:
		t.Fatalf("LOAXA_BENCH_CHILD=%q", role)
	}
}
