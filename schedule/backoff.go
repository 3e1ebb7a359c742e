package schedule

import (
	"math/rand/v2"
	"time"
)

// Backoff is the wait before retry number attempt (1-based) of a transient
// failure: exponential from Base, capped at Max, with ±25 % jitter so that a
// thousand groups failing together do not come back together.
type Backoff struct {
	Base, Max time.Duration
}

// DefaultBackoff waits 15 s, 30 s, 1 min, … up to 30 min: normal and low
// deliveries.
var DefaultBackoff = Backoff{Base: 15 * time.Second, Max: 30 * time.Minute}

// UrgentBackoff waits 2 s, 4 s, 8 s, … up to 1 min: an urgent notice (a
// flood, a storm) that met a passing fault goes again within seconds.
var UrgentBackoff = Backoff{Base: 2 * time.Second, Max: time.Minute}

// Delay returns the jittered wait before the given attempt.
func (b Backoff) Delay(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := b.Base
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	jitter := time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	return d + jitter
}
