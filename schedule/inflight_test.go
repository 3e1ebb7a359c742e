package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
)

func feed(f *inflight, rtt time.Duration, n int) {
	for range n {
		f.answered(rtt)
	}
}

// TestInflightTarget: the target is rate × RTT × 1.25 + 2 (Little's law
// with headroom), at most 64, and follows the moving round trip.
func TestInflightTarget(t *testing.T) {
	cases := []struct {
		perMin int
		rtt    time.Duration
		want   int
	}{
		{4000, time.Millisecond, 3},          // loopback: 66.7/s × 1 ms ≈ 0.08
		{4000, 100 * time.Millisecond, 11},   // ⌈8.33⌉ + 2
		{4000, 250 * time.Millisecond, 23},   // ⌈20.8⌉ + 2
		{4000, 500 * time.Millisecond, 44},   // ⌈41.7⌉ + 2
		{4000, 2 * time.Second, maxInFlight}, // 169 → the bound
		{100, 500 * time.Millisecond, 4},     // 1.67/s × 0.5 s × 1.25 ≈ 1.04 → 2 + 2
		{-1, 250 * time.Millisecond, maxInFlight},
	}
	for _, tc := range cases {
		f := newInflight(0, tc.perMin)
		feed(f, tc.rtt, 50)
		if got, rtt := f.current(); got != tc.want || rtt != tc.rtt {
			t.Errorf("%d/min at %s: target %d, rtt %s; want %d, %s", tc.perMin, tc.rtt, got, rtt, tc.want, tc.rtt)
		}
	}
	// A sender with no pace (a test fake): no limit to fill, the bound.
	if got, _ := newInflight(0, 0).current(); got != maxInFlight {
		t.Errorf("unknown rate: target %d; want %d", got, maxInFlight)
	}
	// The moving average follows a change of the round trip within a few
	// dozen answers, not at the first.
	f := newInflight(0, 4000)
	feed(f, 100*time.Millisecond, 50)
	f.answered(500 * time.Millisecond)
	if got, rtt := f.current(); got >= 23 || rtt <= 100*time.Millisecond {
		t.Errorf("one slow answer: target %d, rtt %s; want a small move", got, rtt)
	}
	feed(f, 500*time.Millisecond, 60)
	if got, _ := f.current(); got < 42 {
		t.Errorf("after 60 answers at 500 ms: target %d; want about 44", got)
	}
}

// TestInflightShrinkAndGrow: a -32 or a timeout halves the target, once per
// second however many answers come together; it grows back by one per
// round of answers; a fixed concurrency never moves.
func TestInflightShrinkAndGrow(t *testing.T) {
	f := newInflight(0, 4000)
	feed(f, 500*time.Millisecond, 50) // 44
	now := time.Now()
	for i := range 10 {
		f.shrink(now.Add(time.Duration(i) * time.Millisecond))
	}
	if got, _ := f.current(); got != 22 {
		t.Fatalf("after a burst of shrinks: target %d; want 22 (44 halved once)", got)
	}
	f.shrink(now.Add(1100 * time.Millisecond))
	if got, _ := f.current(); got != 11 {
		t.Fatalf("after a second shrink a second later: target %d; want 11", got)
	}
	// 11 answers raise it to 12, 12 more to 13, …
	feed(f, 500*time.Millisecond, 11)
	if got, _ := f.current(); got != 12 {
		t.Errorf("after 11 answers: target %d; want 12", got)
	}
	feed(f, 500*time.Millisecond, 12+13+14)
	if got, _ := f.current(); got != 15 {
		t.Errorf("after 50 answers: target %d; want 15", got)
	}
	feed(f, 500*time.Millisecond, 2000)
	if got, _ := f.current(); got != 44 {
		t.Errorf("after 2,050 answers: target %d; want back at 44", got)
	}

	fixed := newInflight(5, 4000)
	feed(fixed, 500*time.Millisecond, 50)
	fixed.shrink(now)
	if got, rtt := fixed.current(); got != 5 || rtt != 500*time.Millisecond {
		t.Errorf("fixed at 5: target %d, rtt %s; want 5 and the measured 500ms", got, rtt)
	}
	if w := newInflight(100, 0).workers(); w != 100 {
		t.Errorf("fixed at 100: %d workers; want 100", w)
	}
}

// TestInflightWait: a worker above the target parks until the target
// reaches it, or until stop.
func TestInflightWait(t *testing.T) {
	f := newInflight(0, 4000)
	feed(f, time.Millisecond, 5) // target 3
	stop := make(chan struct{})
	if !f.wait(2, stop) {
		t.Fatal("worker 2 of 3 was parked")
	}
	done := make(chan bool)
	go func() { done <- f.wait(10, stop) }()
	select {
	case <-done:
		t.Fatal("worker 10 went on with a target of 3")
	case <-time.After(50 * time.Millisecond):
	}
	feed(f, 250*time.Millisecond, 80) // target 23
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("worker 10 was told to stop")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("worker 10 stayed parked with a target of 23")
	}
	go func() { done <- f.wait(40, stop) }()
	close(stop)
	select {
	case ok := <-done:
		if ok {
			t.Fatal("worker 40 was let through instead of stopped")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("worker 40 stayed parked after stop")
	}
}

// TestDispatcherMeasures: the dispatcher feeds the client's wire time to
// the target, not the whole call; a timeout or a -32 burst halves it once;
// a broken connection measures nothing.
func TestDispatcherMeasures(t *testing.T) {
	d := &dispatcher{dispatchDeps: dispatchDeps{Flight: newInflight(0, 4000)}}
	for range 50 {
		// A call of 1.2 s of which 500 ms on the wire (the rest waiting
		// for its turn at the limiter).
		d.measure(bot.Timing{Wire: 500 * time.Millisecond, Answered: 1}, 1200*time.Millisecond, nil)
	}
	if got, rtt := d.Flight.current(); got != 44 || rtt != 500*time.Millisecond {
		t.Fatalf("after 50 sends of 500 ms on the wire: target %d, rtt %s; want 44, 500ms", got, rtt)
	}
	d.measure(bot.Timing{}, 20*time.Millisecond, &bot.TransportError{Op: "send", Err: errors.New("reset")})
	if got, rtt := d.Flight.current(); got != 44 || rtt != 500*time.Millisecond {
		t.Errorf("after a broken connection: target %d, rtt %s; want it unchanged", got, rtt)
	}
	d.measure(bot.Timing{}, 20*time.Second, &bot.TransportError{Op: "send", Timeout: true, MaybeDelivered: true})
	if got, rtt := d.Flight.current(); got != 22 || rtt != 500*time.Millisecond {
		t.Errorf("after a timeout: target %d, rtt %s; want 22 and the round trip unchanged", got, rtt)
	}
	d.Flight.shrunk = time.Time{} // a second later
	now := time.Now()
	for i := range 8 {
		d.slowDown(now.Add(time.Duration(i) * time.Millisecond))
	}
	if got, _ := d.Flight.current(); got != 11 {
		t.Errorf("after 8 answers of -32 at once: target %d; want 11 (22 halved once)", got)
	}
}
