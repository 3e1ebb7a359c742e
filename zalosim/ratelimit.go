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

// prune forgets the calls that left the window at now and returns how many
// remain in it.
func (w *rateWindow) prune(now time.Time) int {
	cut := now.Add(-window)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	if i > 0 {
		w.times = w.times[i:]
	}
	return len(w.times)
}

// full reports whether a window holding used calls refuses another under
// limit (limit <= 0: never).
func full(used, limit int) bool { return limit > 0 && used >= limit }

// refusal says which limit refused a call.
type refusal int

const (
	admitted refusal = iota
	refusedByApp
	refusedByOA
)

// admit applies the app-wide sliding-window limit and, for a call carrying
// an OA's access token, that OA's own limit, to one API call. The app's
// limit is checked first: when both are full the app's refuses. A refused
// call counts against neither window. It returns the values of the
// X-RateLimit-Limit and X-RateLimit-Remain headers: those of the limit that
// refused the call, or else of the one with fewer calls left (the app's on
// a tie; 2147483647 with no limit at all).
func (s *Server) admit(oa *oaState) (limit, remain int, r refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	appUsed := s.window.prune(now)
	oaUsed, oaLimit := 0, 0
	if oa != nil {
		oaUsed, oaLimit = oa.window.prune(now), oa.ratePerMin
	}
	switch {
	case full(appUsed, s.ratePerMin):
		r = refusedByApp
	case full(oaUsed, oaLimit):
		r = refusedByOA
		s.stats.OARateLimited++
		oa.stats.OARateLimited++
	default:
		s.window.times = append(s.window.times, now)
		appUsed++
		if oa != nil {
			oa.window.times = append(oa.window.times, now)
			oaUsed++
		}
	}
	if r != admitted {
		s.stats.RateLimited++
		if oa != nil {
			oa.stats.RateLimited++
		}
	}
	appLimit := s.ratePerMin
	if appLimit <= 0 {
		appLimit = unlimited
	}
	limit, remain = appLimit, max(0, appLimit-appUsed)
	if oaLimit > 0 && (r == refusedByOA || r == admitted && oaLimit-oaUsed < remain) {
		limit, remain = oaLimit, max(0, oaLimit-oaUsed)
	}
	return limit, remain, r
}

// SetRatePerMin changes the app-wide limit; 0 removes it. Calls already in
// the window still count.
func (s *Server) SetRatePerMin(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ratePerMin = n
}
