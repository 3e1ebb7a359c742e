package zalosim

import (
	"math"
	"time"
)

// rateWindow holds the times of the API calls admitted in the last minute.
type rateWindow struct {
	times []time.Time // oldest first
}

const window = time.Minute

// unlimited is what X-RateLimit-Limit says when no limit is configured.
const unlimited = math.MaxInt32

// admit records one call at now if fewer than limit calls were admitted in
// the last 60 s (limit <= 0: always). It returns the number of calls in the
// window, including this one when admitted.
func (w *rateWindow) admit(now time.Time, limit int) (used int, ok bool) {
	cut := now.Add(-window)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	if i > 0 {
		w.times = w.times[i:]
	}
	if limit > 0 && len(w.times) >= limit {
		return len(w.times), false
	}
	w.times = append(w.times, now)
	return len(w.times), true
}

// admit applies the app-wide sliding-window limit to one API call and
// returns the values of the X-RateLimit-Limit and X-RateLimit-Remain headers.
// Refused calls are not counted against the window.
func (s *Server) admit() (limit, remain int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit = s.ratePerMin
	used, ok := s.window.admit(s.now(), limit)
	if !ok {
		s.stats.RateLimited++
	}
	if limit <= 0 {
		limit = unlimited
	}
	return limit, max(0, limit-used), ok
}

// SetRatePerMin changes the limit; 0 removes it. Calls already in the
// window still count.
func (s *Server) SetRatePerMin(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ratePerMin = n
}
