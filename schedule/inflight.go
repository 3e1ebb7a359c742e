package schedule

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// How many sends are on the wire at once.
//
// The limit on sending is Zalo's quota, not our CPU: the client's limiter
// (bot/ratelimit.go) spaces calls at the app's rate, and the sends in flight
// only have to be enough for it never to wait for a free worker. By Little's
// law that is the rate times the round trip: 67/s × 0.25 s ≈ 17 at
// 4,000/min and 250 ms, while 8 fixed workers at 250 ms cannot pass 32/s
// (BenchmarkQuotaFill). So the dispatcher keeps a moving average of the
// round trip of answered sends, as the client measured it on the wire (not
// the wait for the limiter's turn, which would feed back on itself), and
// lets rate × RTT × 1.25 + 2 sends be in flight, at most maxInFlight.
// Without a known rate (the limiter off) it lets maxInFlight be.
//
// A -32 or a timeout halves the target, at most once a second (the answers
// of one burst come together); each round of answered sends after it raises
// the ceiling by one, so the target grows back slowly to what the round
// trip asks for. Config.Concurrency (LOAXA_SEND_CONCURRENCY) fixes it.
//
// The dispatcher starts maxInFlight workers (or Config.Concurrency, if
// larger); worker i takes a job only while i < target, so lowering the
// target parks the upper workers once their send in hand is done.

// maxInFlight is the most sends the dispatcher keeps on the wire.
const maxInFlight = 64

const (
	// rttGuess is the round trip assumed before the first answer: a slow
	// one, since too many sends at first only wait for the limiter's turn,
	// and too few lose the quota for a round trip (BenchmarkQuotaFill at
	// 500 ms used 0.955 of it with a guess of 250 ms).
	rttGuess    = time.Second
	rttHeadroom = 1.25        // on top of rate × RTT, for the jitter of the round trip
	rttSpare    = 2           // sends beyond that, so one is always waiting for its turn
	shrinkEvery = time.Second // at most one halving per this
)

type inflight struct {
	mu      sync.Mutex
	fixed   int     // Config.Concurrency; 0: adaptive
	perSec  float64 // the sender's pace; 0: unknown or unlimited
	rtt     time.Duration
	target  int
	ceiling int // lowered by a shrink, raised by one per round of answers
	credit  int // answers since the ceiling last rose
	shrunk  time.Time
	changed chan struct{} // closed and replaced when target changes

	busy atomic.Int32 // sends on the wire now
}

// newInflight sizes the sends in flight: fixed at fixed, or adaptive (0)
// for a sender that allows itself perMin calls a minute (0 or negative: no
// limit).
func newInflight(fixed, perMin int) *inflight {
	f := &inflight{fixed: fixed, ceiling: maxInFlight, changed: make(chan struct{})}
	if perMin > 0 {
		f.perSec = float64(perMin) / 60
	}
	f.target = f.want(rttGuess)
	return f
}

// workers is how many workers the dispatcher starts.
func (f *inflight) workers() int { return max(maxInFlight, f.fixed) }

// want is the target for a round trip of rtt, under the ceiling.
func (f *inflight) want(rtt time.Duration) int {
	if f.fixed > 0 {
		return f.fixed
	}
	n := maxInFlight
	if f.perSec > 0 {
		n = int(math.Ceil(f.perSec*rtt.Seconds()*rttHeadroom)) + rttSpare
	}
	return max(1, min(n, f.ceiling, maxInFlight))
}

// setLocked changes the target and wakes the parked workers.
func (f *inflight) setLocked(n int) bool {
	if n == f.target {
		return false
	}
	f.target = n
	close(f.changed)
	f.changed = make(chan struct{})
	return true
}

// answered notes the round trip of an answered send; it reports whether
// the target rose.
func (f *inflight) answered(rtt time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rtt == 0 {
		f.rtt = rtt
	} else {
		f.rtt += (rtt - f.rtt) / 8 // like TCP's smoothed RTT
	}
	if f.ceiling < maxInFlight {
		f.credit++
		if f.credit >= f.ceiling {
			f.ceiling, f.credit = f.ceiling+1, 0
		}
	}
	before := f.target
	f.setLocked(f.want(max(f.rtt, time.Microsecond)))
	return f.target > before
}

// shrink halves the target after a -32 or a timeout, once per shrinkEvery.
func (f *inflight) shrink(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fixed > 0 || now.Sub(f.shrunk) < shrinkEvery {
		return
	}
	f.shrunk = now
	f.ceiling, f.credit = max(1, f.target/2), 0
	f.setLocked(f.want(max(f.rtt, time.Microsecond)))
}

// wait blocks worker i until it may take a job (i < target), or stop is
// closed; it reports false in the second case.
func (f *inflight) wait(i int, stop <-chan struct{}) bool {
	for {
		f.mu.Lock()
		ok, ch := i < f.target, f.changed
		f.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-stop:
			return false
		}
	}
}

// current returns the target and the round-trip estimate (0 before the
// first answer).
func (f *inflight) current() (target int, rtt time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.target, f.rtt
}
