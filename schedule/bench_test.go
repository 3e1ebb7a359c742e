package schedule_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"testing"
	"time"
)

// The benchmarks behind docs/DESIGN.md's performance targets. Each target is a
// ratio or a bound measured in the same run, never an absolute time on a
// reference machine; docs/PERFORMANCE.md has the figures and the commands.

// BenchmarkFanout10k fans one notice out to 10,000 groups through the real
// store, dispatcher loop and client against the simulator with no rate
// limit, and in the same iteration makes bare HTTP POSTs of the same bodies
// with the same headers and concurrency to the same simulator. The timed
// part (ns/op) is the dispatch: from Start of a runner whose deliveries are
// materialised to Stop returning with every outcome recorded.
//
//	ratio_vs_raw      raw time / loaxa time (target >= 0.90)
//	deliveries/s      loaxa's rate; raw_deliveries/s the bare POSTs'
//	allocs/delivery   heap allocations per delivery in the whole process
//	                  (simulator included); raw_allocs/delivery the same for
//	                  the bare POSTs, so the difference is loaxa's own
//	cpu_us/delivery   CPU time of the whole process (user+system) per
//	                  delivery; raw_cpu_us/delivery the same for the POSTs
//	materialise_ms    the poll cycle that writes the 10,000 rows (not timed)
func BenchmarkFanout10k(b *testing.B) {
	const groups = 10000
	r := newBenchRig(b, benchOptions{groups: groups})
	cfg := benchConfig()
	raw := r.newRawPoster()
	// Both sides at the same concurrency: with no rate limit the dispatcher
	// would let 64 be in flight, and the ratio would compare pool sizes.
	const conc = 8
	cfg.Concurrency = conc
	ctx := context.Background()
	var tRaw, tLoaxa, tMat time.Duration
	var aRaw, aLoaxa uint64
	var cRaw, cLoaxa time.Duration
	var ms runtime.MemStats
	mallocs := func() uint64 { runtime.ReadMemStats(&ms); return ms.Mallocs }

	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		id := r.notice(fmt.Sprintf("Tổng vệ sinh môi trường, đợt %d", i+1), false)
		run := r.runner(cfg)
		t0 := time.Now()
		if _, err := run.RunOnce(ctx, time.Now()); err != nil {
			b.Fatal(err)
		}
		tMat += time.Since(t0)
		r.drainChanged()
		gs, texts := r.deliveryBodies(id)
		if len(gs) != groups {
			b.Fatalf("materialised %d deliveries; want %d", len(gs), groups)
		}
		bodies := make([][]byte, len(gs))
		for j := range gs {
			bodies[j] = rawBody(gs[j], texts[j])
		}

		rawPhase := func() {
			base := r.sends()
			runtime.GC()
			m0, c0 := mallocs(), cpuTime()
			took, err := raw.post(ctx, bodies, conc)
			aRaw, cRaw = aRaw+mallocs()-m0, cRaw+cpuTime()-c0
			if err != nil {
				b.Fatal(err)
			}
			tRaw += took
			if got := r.sends() - base; got != groups {
				b.Fatalf("bare POSTs recorded %d messages; want %d", got, groups)
			}
		}
		loaxaPhase := func() {
			base := r.sends()
			runtime.GC()
			m0, c0 := mallocs(), cpuTime()
			b.StartTimer()
			t0 := time.Now()
			if err := run.Start(ctx); err != nil {
				b.Fatal(err)
			}
			r.waitSends(base, base+groups, 5*time.Minute)
			if err := run.Stop(ctx); err != nil {
				b.Fatal(err)
			}
			tLoaxa += time.Since(t0)
			b.StopTimer()
			aLoaxa, cLoaxa = aLoaxa+mallocs()-m0, cLoaxa+cpuTime()-c0
			if got := r.sends() - base; got != groups {
				b.Fatalf("loaxa sent %d messages; want %d, each group once", got, groups)
			}
			if c := r.statusCounts(id); c["sent"] != groups {
				b.Fatalf("deliveries by state %v; want %d sent", c, groups)
			}
		}
		// Alternate the order, so that neither side always runs on a
		// warmer (or more fragmented) process.
		// The phases carry pprof labels (phase=loaxa, phase=raw), so that a
		// CPU profile can be split by side (go tool pprof -tagfocus); the
		// simulator's goroutines carry none.
		inRaw := func() { pprof.Do(ctx, pprof.Labels("phase", "raw"), func(context.Context) { rawPhase() }) }
		inLoaxa := func() { pprof.Do(ctx, pprof.Labels("phase", "loaxa"), func(context.Context) { loaxaPhase() }) }
		if i%2 == 0 {
			inRaw()
			inLoaxa()
		} else {
			inLoaxa()
			inRaw()
		}
	}
	n := float64(b.N * groups)
	b.ReportMetric(tRaw.Seconds()/tLoaxa.Seconds(), "ratio_vs_raw")
	b.ReportMetric(n/tLoaxa.Seconds(), "deliveries/s")
	b.ReportMetric(n/tRaw.Seconds(), "raw_deliveries/s")
	b.ReportMetric(float64(aLoaxa)/n, "allocs/delivery")
	b.ReportMetric(float64(aRaw)/n, "raw_allocs/delivery")
	b.ReportMetric(float64(cLoaxa.Microseconds())/n, "cpu_us/delivery")
	b.ReportMetric(float64(cRaw.Microseconds())/n, "raw_cpu_us/delivery")
	b.ReportMetric(float64(tMat.Milliseconds())/float64(b.N), "materialise_ms")
}

// BenchmarkDuePoll measures one poll cycle (RunOnce) with nothing due, on a
// database holding only the live state (10 hamlets, 3 recurring notices)
// and on one that also holds the history of three busy years: 100,000
// notices, 100,000 occurrences, 1,000,000 deliveries. The two are timed
// alternately in the same loop.
//
//	ratio_full_vs_empty   full/empty (target <= 2)
//	empty_us/poll, full_us/poll
func BenchmarkDuePoll(b *testing.B) {
	now := at(b, "2026-03-10 10:00")
	ctx := context.Background()
	full := historyDB(b, now)
	_, runEmpty := duePollRig(b, filepath.Join(b.TempDir(), "empty.db"), now)
	_, runFull := duePollRig(b, full, now)
	var tEmpty, tFull time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := runEmpty.RunOnce(ctx, now); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := runFull.RunOnce(ctx, now); err != nil {
			b.Fatal(err)
		}
		tEmpty += t1.Sub(t0)
		tFull += time.Since(t1)
	}
	b.ReportMetric(float64(tFull)/float64(tEmpty), "ratio_full_vs_empty")
	b.ReportMetric(float64(tEmpty.Microseconds())/float64(b.N), "empty_us/poll")
	b.ReportMetric(float64(tFull.Microseconds())/float64(b.N), "full_us/poll")
}

// BenchmarkLatency measures approval-to-arrival on a running daemon (Start,
// default configuration, 20 hamlets, no quiet hours, no rate limit), over
// repeated trials: the time from the call that approves a notice to the
// moment the simulator has recorded the message of every hamlet (ms_*) and
// of the first (first_ms_median).
//
//	approve  approved through the Store, as the admin site does
//	         (target < 250 ms)
//	insert   an INSERT with status 'approved' from a second connection,
//	         as another program would (target poll interval + 250 ms);
//	         each trial starts at a random moment of the poll interval
//
// LOAXA_BENCH_TRIALS sets the number of trials (default 20 and 10).
func BenchmarkLatency(b *testing.B) {
	b.Run("approve", func(b *testing.B) { benchLatency(b, false, envInt("LOAXA_BENCH_TRIALS", 20)) })
	b.Run("insert", func(b *testing.B) { benchLatency(b, true, envInt("LOAXA_BENCH_TRIALS", 10)) })
}

func benchLatency(b *testing.B, external bool, trials int) {
	const groups = 20
	r := newBenchRig(b, benchOptions{groups: groups})
	cfg := benchConfig()
	run := r.runner(cfg)
	ctx := context.Background()
	if err := run.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer run.Stop(ctx)
	poll := time.Second // the default PollInterval
	rng := rand.New(rand.NewPCG(7, 11))
	var first, all []time.Duration
	b.ResetTimer()
	for i := range b.N {
		for k := range trials {
			title := fmt.Sprintf("Thông báo khẩn %d-%d", i, k)
			var id int64
			if external {
				time.Sleep(time.Duration(rng.Int64N(int64(poll))))
			} else {
				id = r.notice(title, true)
				time.Sleep(50 * time.Millisecond) // the cycle its creation started is over
			}
			base := r.sends()
			t0 := time.Now()
			if external {
				if _, err := r.db.Exec(`INSERT INTO notices (title, body, status) VALUES (?, ?, 'approved')`,
					title, benchBody); err != nil {
					b.Fatal(err)
				}
			} else if err := r.store.ApproveNotice(ctx, id, "lanhdao", false); err != nil {
				b.Fatal(err)
			}
			f, l := r.waitSends(base, base+groups, 30*time.Second)
			first, all = append(first, f.Sub(t0)), append(all, l.Sub(t0))
		}
	}
	b.StopTimer()
	slices.Sort(first)
	slices.Sort(all)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(all[len(all)/2]), "ms_median")
	b.ReportMetric(ms(all[len(all)-1]), "ms_max")
	b.ReportMetric(ms(first[len(first)/2]), "first_ms_median")
	b.ReportMetric(float64(len(all)), "trials")
}

// BenchmarkPacing runs the daemon against a simulator that enforces N
// requests per minute (sliding window), with the client configured for N,
// and a backlog larger than it can send in the time measured, at each
// round trip of benchRTTs (± a fifth of jitter) and each N of benchRates.
//
//	rate_limited    -32 answers (target 0)
//	quota_used      messages sent per minute over the run, as a share of N
//	                (target >= 0.97 without latency, >= 0.95 with it)
//	peak_window_pct the most messages in any 60 s window, as a share of N
//	                (runs of a minute or more)
//
// N is LOAXA_BENCH_RATE (default: 4000, Zalo's documented limit, and 100,
// a Growth OA's); the length is LOAXA_BENCH_PACING (default 20s;
// docs/PERFORMANCE.md also uses 2m30s, which the 0 ms target asks for).
// The run is measured from Start, so the first message's way to Zalo
// (half the round trip) counts against quota_used: 1.25 % at 500 ms.
func BenchmarkPacing(b *testing.B) {
	for _, n := range benchRates() {
		for _, rtt := range benchRTTs {
			b.Run(fmt.Sprintf("rtt=%s/N=%d", rttName(rtt), n), func(b *testing.B) { benchPacing(b, n, rtt) })
		}
	}
}

func benchPacing(b *testing.B, n int, rtt time.Duration) {
	length := envDuration("LOAXA_BENCH_PACING", 20*time.Second)
	groups := int(float64(n)*length.Minutes()*1.1) + 100
	r := newBenchRig(b, benchOptions{groups: groups, ratePerMin: n, rtt: rtt})
	ctx := context.Background()
	r.notice("Lịch tiêm chủng mở rộng", false)
	run := r.runner(benchConfig())
	if _, err := run.RunOnce(ctx, time.Now()); err != nil {
		b.Fatal(err)
	}
	r.drainChanged()
	b.ResetTimer()
	base := r.sim.Stats()
	t0 := time.Now()
	if err := run.Start(ctx); err != nil {
		b.Fatal(err)
	}
	time.Sleep(length)
	t1 := time.Now()
	during := r.sim.Stats()
	if err := run.Stop(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	end := r.sim.Stats()
	if sent := during.Sends - base.Sends; sent >= groups {
		b.Fatalf("the backlog (%d) ran out before the end of the run", groups)
	}
	var times []time.Time
	for _, m := range r.sim.AllMessages() {
		if !m.Time.Before(t0) && !m.Time.After(t1) {
			times = append(times, m.Time)
		}
	}
	peak := 0
	if length >= time.Minute {
		for i, j := 0, 0; j < len(times); j++ {
			for times[j].Sub(times[i]) >= time.Minute {
				i++
			}
			peak = max(peak, j-i+1)
		}
	}
	b.ReportMetric(float64(end.RateLimited-base.RateLimited), "rate_limited")
	b.ReportMetric(float64(during.Sends-base.Sends)/(float64(n)*t1.Sub(t0).Minutes()), "quota_used")
	b.ReportMetric(100*float64(peak)/float64(n), "peak_window_pct")
	b.ReportMetric(float64(n), "N/min")
	b.ReportMetric(t1.Sub(t0).Seconds(), "seconds")
}
