package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// TestTimingCountsTheWireOnly: a Timing holds the round trip of the
// answered request, not the wait for the rate limiter's turn, and a call
// without one is unaffected.
func TestTimingCountsTheWireOnly(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithConfig(func(c *zalosim.Config) { c.Latency = 100 * time.Millisecond }))
	c, _ := newSimClient(t, fake, func(cfg *bot.Config) { cfg.RatePerMin = 60 }) // a turn a second
	if got := c.RatePerMin(); got != 60 {
		t.Errorf("RatePerMin() = %d; want 60", got)
	}
	gid := fake.Groups()[0].ID
	ctx := context.Background()
	if _, err := c.SendGroupText(ctx, gid, "một"); err != nil { // takes the first turn
		t.Fatal(err)
	}
	var tm bot.Timing
	start := time.Now()
	if _, err := c.SendGroupText(bot.WithTiming(ctx, &tm), gid, "hai"); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if took < 700*time.Millisecond {
		t.Fatalf("the second send took %s; want it to wait for its turn (about 1 s)", took)
	}
	if tm.Answered != 1 || tm.Wire < 90*time.Millisecond || tm.Wire > 400*time.Millisecond {
		t.Errorf("Timing = %+v after a call of %s; want 1 answered request of about 100ms", tm, took)
	}
}
