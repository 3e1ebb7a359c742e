package bot_test

import (
	"context"
	"flag"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// BenchmarkProvinceAlert is issue 14's province alert at the Zalo client's
// level: one urgent message to 1,800 groups across 100 OAs of one app (18
// each, every OA with a Growth package's 100 calls a minute), the app
// limited to 4,000 a minute, 32 senders taking the groups round-robin
// across the OAs as the dispatcher would. quota_ratio is the time from the
// first send to the last answer over the 27 s the quota allows
// (1,800 / (4,000/60) s); rate_limited counts the simulator's -32 answers.
// Each iteration takes about 28 s, so the benchmark runs only when asked
// for with -benchtime=1x:
//
//	go test -run '^$' -bench ProvinceAlert -benchtime=1x ./bot/
func BenchmarkProvinceAlert(b *testing.B) {
	if f := flag.Lookup("test.benchtime"); f == nil || f.Value.String() != "1x" {
		b.Skip("takes about 28 s per round trip; run with -bench ProvinceAlert -benchtime=1x")
	}
	for _, rt := range []struct {
		name            string
		latency, jitter time.Duration
	}{{"rtt=0", 0, 0}, {"rtt=250ms±50ms", 250 * time.Millisecond, 50 * time.Millisecond}} {
		b.Run(rt.name, func(b *testing.B) {
			for range b.N {
				provinceAlert(b, rt.latency, rt.jitter)
			}
		})
	}
}

func provinceAlert(b *testing.B, latency, jitter time.Duration) {
	const (
		oas, perOA = 100, 18
		appRate    = 4000
		oaRate     = 100
		senders    = 32
	)
	b.StopTimer()
	fake := zalosimtest.New(b, zalosim.WithOAs(zalosim.GenerateOAs(oas, perOA, oaRate)...),
		zalosim.WithRatePerMin(appRate), zalosim.WithConfig(func(c *zalosim.Config) {
			c.Latency, c.LatencyJitter = latency, jitter
		}))
	app := bot.NewApp(bot.Config{APIBase: fake.URL, OAuthBase: fake.URL, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: appRate}, zerolog.Nop())
	type job struct {
		c     *bot.Client
		group string
	}
	var jobs []job // round-robin: the first group of every OA, then the second, …
	clients := make([]*bot.Client, oas)
	for i, cr := range fake.OAs {
		store := &memStore{}
		store.set(cr.AccessToken, cr.RefreshToken, time.Now().Add(24*time.Hour))
		c, err := app.Client(cr.OAID, store, oaRate)
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	for j := range perOA {
		for i, cr := range fake.OAs {
			jobs = append(jobs, job{clients[i], fake.GroupsOf(cr.OAID)[j].ID})
		}
	}

	var (
		next, limited, failed atomic.Int64
		wg                    sync.WaitGroup
	)
	ctx := context.Background()
	b.StartTimer()
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(jobs) {
					return
				}
				for {
					_, err := jobs[k].c.SendGroupText(ctx, jobs[k].group, "⚠️ CẢNH BÁO LŨ: nước sông dâng cao, người dân chủ động sơ tán")
					if err == nil {
						break
					}
					if bot.ErrorClass(err) != bot.ClassRateLimited {
						failed.Add(1)
						b.Errorf("send to %s: %v", jobs[k].group, err)
						break
					}
					limited.Add(1) // sent again after the client's pause, as the dispatcher would
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	st := fake.Stats()
	if st.Sends != len(jobs) || failed.Load() != 0 {
		b.Errorf("%d messages recorded, %d sends failed; want %d and 0", st.Sends, failed.Load(), len(jobs))
	}
	for _, cr := range fake.OAs {
		for _, g := range fake.GroupsOf(cr.OAID) {
			if ms := fake.Messages(g.ID); len(ms) != 1 || ms[0].OAID != cr.OAID {
				b.Fatalf("group %s holds %d messages; want 1 from its own OA %s", g.ID, len(ms), cr.OAID)
			}
		}
	}
	quota := time.Duration(float64(len(jobs)) / (appRate / 60.0) * float64(time.Second))
	b.ReportMetric(elapsed.Seconds()/quota.Seconds(), "quota_ratio")
	b.ReportMetric(elapsed.Seconds(), "seconds")
	b.ReportMetric(float64(st.RateLimited), "rate_limited")
	b.ReportMetric(float64(st.OARateLimited), "oa_rate_limited")
	b.ReportMetric(float64(limited.Load()), "client_saw_-32")
}
