package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The client paces every call it makes through one limiter.
//
// Zalo counts requests per app in a sliding 60 s window (§7: 4000/min, then
// -32). A fixed-window counter would let 2N requests through around the edge
// of its window, and a token bucket with a large burst would spend the whole
// allowance at once. So the limiter spaces requests evenly (burst 1) at
// slightly less than the configured rate: with events every T = window/P, any
// window of that length holds at most P+1 of them, and P = N - max(1, N/50)
// keeps that at or below N with a 2 % margin (about 1.2 s of network jitter
// at 4000/min) while using 98 % of N.
//
// Pacing alone counts on each caller leaving when its turn comes; a caller
// that wakes late (GC, a loaded machine) sends right before the next one. So
// a sliding-window log of the actual send times backs it up: never more than
// N - max(1, N/100) sends in any window, whatever the scheduling.
//
// When Zalo answers -32 anyway for the app's limit (another process shares
// the app), every call pauses for a moment that doubles on each consecutive
// -32 (1 s up to 60 s), and the pace is halved for one window. A -32 of an
// OA's own limit is met differently: its window is taken as full, and the
// OA waits for room in it (windowFull, ratelimit_app.go).

const (
	minPause = time.Second
	maxPause = time.Minute
)

type limiter struct {
	window time.Duration
	full   rate.Limit // events per second at the normal pace
	lim    *rate.Limiter

	mu          sync.Mutex
	sent        []time.Time // ring of the latest send times; nil when unlimited
	next        int         // index of the oldest entry of sent
	onSend      func(time.Time)
	last        time.Time // the latest send of an OA's own limit (ratelimit_app.go)
	pausedUntil time.Time
	slowUntil   time.Time
	strikes     int
	learned     int         // an OA's package limit learnt from a -32 (learnRate); 0: none
	recent      []time.Time // an OA's sends in the latest window, oldest first (windowFull)
}

// newLimiter allows about perWindow calls per window; perWindow < 0 means no
// limit.
func newLimiter(perWindow int, window time.Duration) *limiter {
	l := &limiter{window: window}
	if perWindow < 0 {
		l.full = rate.Inf
	} else {
		l.full = rate.Limit(float64(pacedCount(perWindow)) / window.Seconds())
		l.sent = make([]time.Time, windowCap(perWindow))
	}
	l.lim = rate.NewLimiter(l.full, 1)
	return l
}

// pacedCount is how many calls the limiter spreads over one window.
func pacedCount(n int) int {
	margin := n / 50
	if margin < 1 {
		margin = 1
	}
	if n-margin < 1 {
		return 1
	}
	return n - margin
}

// windowCap is the most sends the log lets into one window.
func windowCap(n int) int {
	margin := n / 100
	if margin < 1 {
		margin = 1
	}
	if n-margin < 1 {
		return 1
	}
	return n - margin
}

// wait blocks until the call may go, or ctx ends (then nothing was sent).
func (l *limiter) wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := time.Now()
		if !l.slowUntil.IsZero() && now.After(l.slowUntil) {
			l.lim.SetLimitAt(now, l.full)
			l.slowUntil = time.Time{}
			l.strikes = 0
		}
		pause := l.pausedUntil.Sub(now)
		l.mu.Unlock()
		if pause <= 0 {
			break
		}
		if err := sleepCtx(ctx, pause); err != nil {
			return err
		}
	}
	if err := l.lim.Wait(ctx); err != nil {
		if ctx.Err() == nil { // the next turn comes after ctx's deadline
			return fmt.Errorf("%w: no turn before the deadline", context.DeadlineExceeded)
		}
		return err
	}
	if l.sent == nil {
		return nil
	}
	for {
		l.mu.Lock()
		now := time.Now()
		oldest := l.sent[l.next]
		if oldest.IsZero() || now.Sub(oldest) >= l.window {
			l.sent[l.next] = now
			l.next = (l.next + 1) % len(l.sent)
			if l.onSend != nil {
				l.onSend(now)
			}
			l.mu.Unlock()
			return nil
		}
		d := l.window - now.Sub(oldest)
		l.mu.Unlock()
		if err := sleepCtx(ctx, d); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backOff reacts to a -32 from Zalo.
func (l *limiter) backOff() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Before(l.pausedUntil) {
		// Answers to requests sent before this pause began (all those in
		// flight get -32 together): one strike, not one per request.
		return l.pausedUntil.Sub(now)
	}
	l.strikes++
	pause := minPause << (l.strikes - 1)
	if pause > maxPause || pause <= 0 {
		pause = maxPause
	}
	if until := now.Add(pause); until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	if l.full != rate.Inf {
		l.lim.SetLimitAt(now, l.full/2)
	}
	l.slowUntil = now.Add(pause + l.window)
	return pause
}
