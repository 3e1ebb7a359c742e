package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// packageWatch asks Zalo, at start and then every packageEvery, when the
// GMF package of each active hamlet's group expires, and exports it to
// /metrics, so that an alert fires days before a group stops taking
// messages (-237). It is four calls per hamlet per day, paced to use at
// most a tenth of the rate limit the sends share.
type packageWatch struct {
	store  *notices.Store
	client *bot.Client
	log    zerolog.Logger
	every  time.Duration
	pace   time.Duration // between two calls

	mu      sync.Mutex
	expires map[string]time.Time // hamlet code → package expiry
	enabled map[string]bool      // hamlet code → group enabled

	cancel context.CancelFunc
	done   chan struct{}
}

const packageEvery = 6 * time.Hour

// newPackageWatch paces its calls by ratePerMin, ZALO_RATE_PER_MIN (0: the
// client's default; negative: no limit).
func newPackageWatch(store *notices.Store, client *bot.Client, ratePerMin int, log zerolog.Logger) *packageWatch {
	if ratePerMin == 0 {
		ratePerMin = bot.DefaultRatePerMin
	}
	var pace time.Duration
	if ratePerMin > 0 {
		pace = 10 * time.Minute / time.Duration(ratePerMin) // a tenth of the budget
	}
	return &packageWatch{store: store, client: client, log: log, every: packageEvery, pace: pace,
		expires: map[string]time.Time{}, enabled: map[string]bool{}}
}

// start runs the watch until stop.
func (p *packageWatch) start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if p.check(ctx) {
				t.Reset(p.every)
			} else {
				t.Reset(time.Minute) // not connected yet: look again soon
			}
		}
	}()
}

// stop ends the watch and waits for it.
func (p *packageWatch) stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	<-p.done
}

// check asks Zalo about every active hamlet's group once, and reports
// whether it could. A hamlet Zalo does not answer for keeps its last known
// values.
func (p *packageWatch) check(ctx context.Context) bool {
	if !p.client.Health().Connected {
		return false // nothing to ask with; the disconnection has its own alert
	}
	hs, err := p.store.Hamlets(ctx)
	if err != nil {
		p.log.Warn().Err(err).Msg("package watch: list hamlets")
		return false
	}
	active := map[string]bool{}
	asked := 0
	for _, h := range hs {
		if !h.Active || ctx.Err() != nil {
			continue
		}
		active[h.Code] = true
		if asked > 0 && p.pace > 0 {
			t := time.NewTimer(p.pace)
			select {
			case <-ctx.Done():
				t.Stop()
				continue
			case <-t.C:
			}
		}
		asked++
		info, err := p.client.GroupInfo(ctx, h.GroupID)
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn().Err(err).Str("hamlet", h.Code).Msg("package watch: group info")
			}
			continue
		}
		exp, ok := info.AssetExpiry()
		p.mu.Lock()
		if ok {
			p.expires[h.Code] = exp
		}
		p.enabled[h.Code] = info.Status == "" || info.Status == "enabled"
		p.mu.Unlock()
	}
	p.mu.Lock()
	for code := range p.enabled {
		if !active[code] && ctx.Err() == nil {
			delete(p.enabled, code)
			delete(p.expires, code)
		}
	}
	p.mu.Unlock()
	return true
}

// writeMetrics appends the packages' gauges to /metrics.
func (p *packageWatch) writeMetrics(_ context.Context, w io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	codes := make([]string, 0, len(p.enabled))
	for c := range p.enabled {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	fmt.Fprintln(w, "# HELP loaxa_zalo_package_expiry_timestamp_seconds When the GMF package of a hamlet's group expires, as Zalo last said.")
	fmt.Fprintln(w, "# TYPE loaxa_zalo_package_expiry_timestamp_seconds gauge")
	for _, c := range codes {
		if exp, ok := p.expires[c]; ok {
			fmt.Fprintf(w, "loaxa_zalo_package_expiry_timestamp_seconds{hamlet=%q} %d\n", c, exp.Unix())
		}
	}
	fmt.Fprintln(w, "# HELP loaxa_zalo_group_enabled 1 while a hamlet's group is enabled on Zalo.")
	fmt.Fprintln(w, "# TYPE loaxa_zalo_group_enabled gauge")
	for _, c := range codes {
		fmt.Fprintf(w, "loaxa_zalo_group_enabled{hamlet=%q} %d\n", c, boolNum(p.enabled[c]))
	}
}

func boolNum(b bool) int {
	if b {
		return 1
	}
	return 0
}
