package bot

import (
	"context"
	"time"
)

// Timing adds up the time a call's HTTP requests spent on the wire: from
// the request leaving, once the rate limiter gave it its turn, to the answer
// read. The dispatcher sizes its sends in flight from it (schedule's
// inflight.go). Requests that got no answer (a timeout, a broken
// connection) are not counted. A Timing belongs to one call at a time.
type Timing struct {
	Wire     time.Duration // summed over the answered requests
	Answered int           // requests answered (by any status or error code)
}

type timingKey struct{}

// WithTiming returns a context under which the client's calls add to t.
func WithTiming(ctx context.Context, t *Timing) context.Context {
	return context.WithValue(ctx, timingKey{}, t)
}

func addTiming(ctx context.Context, took time.Duration) {
	if t, ok := ctx.Value(timingKey{}).(*Timing); ok {
		t.Wire += took
		t.Answered++
	}
}

// RatePerMin is how many calls a minute the client allows itself (Config),
// negative for no limit. The dispatcher sizes its sends in flight from it.
// For an OA of an App it is the OA's own limit when that is the lower: the
// app's limit is shared with the other OAs (App.RatePerMin). The OA's own
// is the configured one, or the lower one a -32 named (learnRate).
func (c *Client) RatePerMin() int {
	own := c.oaRate
	if c.app != nil {
		if l := c.limiter.learnedRate(); l > 0 && (own == 0 || l < own) {
			own = l
		}
	}
	if own > 0 && (c.cfg.RatePerMin < 0 || own < c.cfg.RatePerMin) {
		return own
	}
	return c.cfg.RatePerMin
}
