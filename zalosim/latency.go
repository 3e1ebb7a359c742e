package zalosim

import (
	"fmt"
	"strings"
	"time"
)

// Zalo's servers are not on loopback: every API call takes a network round
// trip. The simulator adds one to every API call (the OAuth and OpenAPI
// paths, not /_sim/ or the resident view): a fixed Latency plus a jitter
// drawn uniformly from [-LatencyJitter, +LatencyJitter]. Half of it passes
// before the call is handled (the request on its way: the rate limit and
// the message's time are taken after it), half before the answer is
// written (the answer on its way back). Like SetDelay it ends early when
// the simulator is closed.

// SetLatency sets the round trip added to every API call: base plus a
// uniform jitter of at most ±jitter (0, 0 removes it). ClearFaults leaves
// it: it is the network, not a fault.
func (s *Server) SetLatency(base, jitter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency, s.jitter = max(base, 0), max(jitter, 0)
}

// Latency returns the round trip set by Config or SetLatency.
func (s *Server) Latency() (base, jitter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency, s.jitter
}

// roundTrip draws one call's round trip and splits it into the way there
// and the way back.
func (s *Server) roundTrip() (there, back time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.latency
	if s.jitter > 0 {
		rt += time.Duration((2*s.rng.Float64() - 1) * float64(s.jitter))
	}
	rt = max(rt, 0)
	return rt / 2, rt - rt/2
}

// latencyString is the round trip as ParseLatency reads it.
func latencyString(base, jitter time.Duration) string {
	if jitter == 0 {
		return base.String()
	}
	return base.String() + "±" + jitter.String()
}

// ParseLatency reads the --latency flag: a Go duration, optionally followed
// by a jitter after "±" or "+-": "250ms", "250ms±50ms", "250ms+-50ms". The
// jitter may not exceed the latency.
func ParseLatency(v string) (base, jitter time.Duration, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, 0, nil
	}
	b, j, hasJitter := strings.Cut(v, "±")
	if !hasJitter {
		b, j, hasJitter = strings.Cut(v, "+-")
	}
	base, err = time.ParseDuration(strings.TrimSpace(b))
	if err != nil || base < 0 {
		return 0, 0, fmt.Errorf("%q: want a duration such as 250ms, optionally ±50ms", v)
	}
	if hasJitter {
		jitter, err = time.ParseDuration(strings.TrimSpace(j))
		if err != nil || jitter < 0 {
			return 0, 0, fmt.Errorf("%q: the jitter after ± must be a duration such as 50ms", v)
		}
		if jitter > base {
			return 0, 0, fmt.Errorf("%q: the jitter (%s) is larger than the latency (%s)", v, jitter, base)
		}
	}
	return base, jitter, nil
}
