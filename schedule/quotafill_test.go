package schedule_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
)

// Zalo's servers are not on loopback. These measure whether the daemon uses
// the quota at real round-trip times: the simulator adds a round trip (±
// a fifth of jitter) to every API call.

// benchRTTs are the round trips the quota benchmarks run at.
var benchRTTs = []time.Duration{0, 100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond}

// benchRates are the quotas (requests per minute) the quota benchmarks run
// at: LOAXA_BENCH_RATE, or Zalo's documented 4,000 and a Growth OA's 100.
func benchRates() []int {
	if v, err := strconv.Atoi(os.Getenv("LOAXA_BENCH_RATE")); err == nil && v > 0 {
		return []int{v}
	}
	return []int{4000, 100}
}

func rttName(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + "ms" }

// BenchmarkQuotaFill approves an urgent notice to G groups on a running
// daemon, against a simulator that enforces N requests per minute with the
// client configured for N, at each round trip of benchRTTs and each N of
// benchRates. G is N/10 (a tenth of a minute's quota: 400 at 4,000/min)
// and at least 20 (12 s at 100/min); LOAXA_BENCH_SENDS overrides it.
//
//	quota_used    the rate at which the simulator recorded the messages,
//	              from the first to the last, as a share of N
//	              (target >= 0.95)
//	rate_limited  -32 answers (target 0)
//	vs_ideal      from the approval to the last message recorded, over
//	              the time G sends take at N (G × 60 s / N)
//	seconds       from the approval to the last message recorded
func BenchmarkQuotaFill(b *testing.B) {
	for _, n := range benchRates() {
		for _, rtt := range benchRTTs {
			b.Run(fmt.Sprintf("rtt=%s/N=%d", rttName(rtt), n), func(b *testing.B) {
				groups := envInt("LOAXA_BENCH_SENDS", max(20, n/10))
				var sum fillResult
				for range b.N {
					f := quotaFill(b, groups, n, rtt, nil)
					sum.took += f.took
					sum.span += f.span
					sum.rateLimited += f.rateLimited
				}
				ideal := time.Duration(groups) * time.Minute / time.Duration(n)
				perSend := sum.span.Seconds() / float64(b.N*(groups-1)) // seconds between messages at Zalo
				b.ReportMetric(60/perSend/float64(n), "quota_used")
				b.ReportMetric(float64(sum.rateLimited), "rate_limited")
				b.ReportMetric(sum.took.Seconds()/float64(b.N)/ideal.Seconds(), "vs_ideal")
				b.ReportMetric(sum.took.Seconds()/float64(b.N), "seconds")
				b.ReportMetric(float64(groups), "groups")
			})
		}
	}
}

// TestQuotaFill400 is design's "an urgent notice to 400 groups at
// 4,000/min, against Zalo 250 ms away, takes at most 1.1 × 6.0 s": it runs
// the daemon against the simulator at 250 ms ± 50 ms. It takes about 7 s,
// so it runs only with LOAXA_PERF=1 (docs/PERFORMANCE.md).
func TestQuotaFill400(t *testing.T) {
	if os.Getenv("LOAXA_PERF") != "1" {
		t.Skip("a 7 s run at a real round-trip time: set LOAXA_PERF=1")
	}
	const groups, perMin = 400, 4000
	f := quotaFill(t, groups, perMin, 250*time.Millisecond, nil)
	quota := time.Duration(groups) * time.Minute / perMin // 6.0 s
	t.Logf("%d groups in %s (the quota allows %s: %.2f×); -32: %d", groups, f.took.Round(time.Millisecond),
		quota, f.took.Seconds()/quota.Seconds(), f.rateLimited)
	if limit := quota * 11 / 10; f.took > limit {
		t.Errorf("%d groups at %d/min took %s; want at most %s (1.1 × %s)", groups, perMin, f.took, limit, quota)
	}
	if f.rateLimited != 0 {
		t.Errorf("Zalo answered -32 %d times; want 0", f.rateLimited)
	}
}

// TestInflightFillsQuota: against Zalo 250 ms (± 50 ms) away at
// 4,000/min, 120 groups take about 1.9 s; with 8 sends in flight (the
// fixed concurrency before the round trip was measured) they took 3.9 s.
// /metrics shows the target and the round trip it was sized from.
func TestInflightFillsQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("a 2 s run at a real round-trip time")
	}
	const groups = 120
	f := quotaFill(t, groups, 4000, 250*time.Millisecond, func(run *schedule.Runner) {
		rec := httptest.NewRecorder()
		run.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		target := metricValue(t, rec.Body.String(), "loaxa_send_inflight_target")
		rtt := metricValue(t, rec.Body.String(), "loaxa_send_rtt_seconds")
		if target < 20 || target > 26 {
			t.Errorf("loaxa_send_inflight_target %g; want about 66.7/s × 0.25 s × 1.25 + 2 = 23", target)
		}
		if rtt < 0.2 || rtt > 0.3 {
			t.Errorf("loaxa_send_rtt_seconds %g; want about 0.25", rtt)
		}
	})
	if limit := 2800 * time.Millisecond; f.took > limit {
		t.Errorf("%d groups at 4,000/min, 250 ms away, took %s; want under %s (the quota allows 1.8 s)", groups, f.took, limit)
	}
	if f.rateLimited != 0 {
		t.Errorf("Zalo answered -32 %d times; want 0", f.rateLimited)
	}
}

// metricValue reads one unlabelled sample from a Prometheus exposition.
func metricValue(t *testing.T, text, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s:\n%s", name, text)
	return 0
}

type fillResult struct {
	took        time.Duration // from the approval to the last message recorded
	span        time.Duration // from the first message recorded to the last
	rateLimited int
}

// quotaFill starts a daemon against a fresh simulator with the given
// groups, quota and round trip, approves an urgent notice to every group,
// and waits until each has its message, exactly once. check, if not nil,
// looks at the runner before it stops.
func quotaFill(tb testing.TB, groups, perMin int, rtt time.Duration, check func(*schedule.Runner)) fillResult {
	tb.Helper()
	if b, ok := tb.(*testing.B); ok {
		b.StopTimer()
		defer b.StartTimer()
	}
	r := newBenchRig(tb, benchOptions{groups: groups, ratePerMin: perMin, rtt: rtt})
	ctx := context.Background()
	n := notices.Notice{Title: "Cảnh báo lũ khẩn cấp", Body: benchBody, Status: notices.StatusPending,
		Priority: notices.Urgent, Source: notices.SourceWeb, Author: "canbo"}
	if err := r.store.CreateNotice(ctx, &n); err != nil {
		tb.Fatal(err)
	}
	run := r.runner(benchConfig())
	if err := run.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	defer run.Stop(ctx)
	time.Sleep(100 * time.Millisecond) // the first poll cycle is over
	base := r.sim.Stats()
	if b, ok := tb.(*testing.B); ok {
		b.StartTimer()
	}
	t0 := time.Now()
	if err := r.store.ApproveNotice(ctx, n.ID, "lanhdao", false); err != nil {
		tb.Fatal(err)
	}
	_, last := r.waitSends(base.Sends, base.Sends+groups, 5*time.Minute)
	took := last.Sub(t0)
	if b, ok := tb.(*testing.B); ok {
		b.StopTimer()
	}
	if check != nil {
		check(run)
	}
	if err := run.Stop(ctx); err != nil {
		tb.Fatal(err)
	}
	end := r.sim.Stats()
	if got := end.Sends - base.Sends; got != groups {
		tb.Fatalf("the simulator recorded %d messages; want %d, each group once", got, groups)
	}
	if c := r.statusCounts(n.ID); c["sent"] != groups {
		tb.Fatalf("deliveries by state %v; want %d sent", c, groups)
	}
	msgs := r.sim.AllMessages()[base.Sends:]
	first, lastAt := msgs[0].Time, msgs[0].Time
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.GroupID] {
			tb.Fatalf("group %s got the notice twice", m.GroupID)
		}
		seen[m.GroupID] = true
		if !strings.Contains(m.Text, "Cảnh báo lũ khẩn cấp") {
			tb.Fatalf("message %q is not the notice", m.Text)
		}
		first, lastAt = minTime(first, m.Time), maxTime(lastAt, m.Time)
	}
	return fillResult{took: took, span: lastAt.Sub(first), rateLimited: end.RateLimited - base.RateLimited}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
