package bot

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Several OAs under one app (App): each call of an OA's client passes two
// limits, the OA's own package limit (when it has one) and the app's, which
// every OA shares. Both are limiters as in ratelimit.go: evenly paced a
// little under their rate, and backed by a log of actual send times; the
// OA's pace is also held between its actual sends (gapLocked). The
// two logs are checked and written together, at one instant, under both
// locks: a call is let go only when both windows have room, and it counts
// in both at the moment it goes. Had the OA's turn been taken first and
// the app's waited for after it, the OA's log would hold a time earlier
// than the send, and its window could hold more sends than it counts.
//
// The token endpoint (oauth.zaloapp.com) is the app's: a refresh or a code
// exchange passes the app's limit only, and a -32 there slows the app.

// waitTurn blocks until the client may make one OpenAPI call.
func (c *Client) waitTurn(ctx context.Context) error {
	if c.app == nil {
		return c.limiter.wait(ctx)
	}
	return waitBoth(ctx, c.limiter, c.app.limiter)
}

// appLimiter is the limit of the app: for a client of NewClient its own.
func (c *Client) appLimiter() *limiter {
	if c.app == nil {
		return c.limiter
	}
	return c.app.limiter
}

// rateLimited reacts to a -32 (or HTTP 429) on an OpenAPI call.
//
// Zalo answers both of its limits, the app's 4,000 a minute and the OA's
// package limit, with the one code -32 "application/OA reached limit call
// api" (zalo-oa-api.md §6, §7), so the body cannot tell them apart. The
// X-RateLimit-Limit header (§7) can: it names a limit, and the simulator
// sends that of the limit that refused (docs/zalosim.md). The reading:
//   - the header equals this OA's own configured limit, and that differs
//     from the app's: the OA's limit refused; this OA waits until its
//     window has room (windowFull);
//   - the header names a limit below the app's that is not the OA's
//     configured one (none configured, or a package changed): only an OA's
//     package limit is that small (100 a minute for Growth against the
//     app's 4,000), so it is this OA's. This OA alone pauses, and is held
//     to that limit from then on (learnRate), so that one commune whose
//     limit nobody entered does not hold up every other's urgent warning;
//   - anything else (the app's value or more, no header): the app's limit,
//     the safe reading; every OA of the app pauses and slows. Slowing one
//     OA for an app-wide -32 would let the others go on hitting it.
//
// A client of NewClient is the app: it slows itself, as it always has.
func (c *Client) rateLimited(op string, ae *APIError, h http.Header) {
	if c.app == nil {
		pause := c.limiter.backOff()
		c.log.Warn().Str("op", op).Int("zalo_code", ae.Code).Dur("pause", pause).
			Msg("zalo rate limit hit; slowing down")
		return
	}
	limit, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Limit")))
	if err == nil && c.oaRate > 0 && limit == c.oaRate && limit != c.app.cfg.RatePerMin {
		pause := c.limiter.windowFull(limit)
		c.log.Warn().Str("op", op).Int("zalo_code", ae.Code).Int("rate_limit", limit).Dur("pause", pause).
			Msg("zalo rate limit of this OA hit; slowing this OA down")
		return
	}
	// A limit above this OA's configured one is not its package's (loaxa
	// holds it below that): it is the app's real limit, lower than
	// ZALO_RATE_PER_MIN says (probe6 F7: read as each OA's, it told staff
	// to raise a commune's 20 to 40).
	if err == nil && limit > 0 && limit < c.app.cfg.RatePerMin && limit != c.oaRate && (c.oaRate <= 0 || limit < c.oaRate) {
		learned := c.limiter.learnRate(limit)
		pause := c.limiter.windowFull(limit)
		ev := c.log.Warn().Str("op", op).Int("zalo_code", ae.Code).Int("rate_limit", limit).Dur("pause", pause)
		if learned {
			ev.Msgf("zalo rate limit of this OA hit: X-RateLimit-Limit %d is below the app's limit (%d), so it is this OA's "+
				"package limit; pausing this OA alone and holding it to %d calls a minute from now on. Configure it so "+
				"that the limit holds from the start: loaxa commune edit %s --rate-per-min %d",
				limit, c.app.cfg.RatePerMin, limit, c.oa, limit)
		} else {
			ev.Msg("zalo rate limit of this OA hit; slowing this OA down")
		}
		return
	}
	pause := c.app.limiter.backOff()
	ev := c.log.Warn().Str("op", op).Int("zalo_code", ae.Code).Dur("pause", pause)
	if err == nil {
		ev = ev.Int("rate_limit", limit)
	}
	if err == nil && limit != c.app.cfg.RatePerMin {
		ev.Msgf("zalo rate limit hit, with X-RateLimit-Limit %d, not below the app's limit (%d): read as the app's; "+
			"slowing every OA down", limit, c.app.cfg.RatePerMin)
		return
	}
	ev.Msg("zalo rate limit of the app hit; slowing every OA down")
}

// waitBoth blocks until a call may go under both the OA's limit and the
// app's, or ctx ends (then nothing was sent).
func waitBoth(ctx context.Context, oa, app *limiter) error {
	for {
		if err := waitPauses(ctx, oa, app); err != nil {
			return err
		}
		if err := waitPace(ctx, oa.lim); err != nil {
			return err
		}
		if err := waitPace(ctx, app.lim); err != nil {
			return err
		}
		repace, err := admitBoth(ctx, oa, app)
		if err != nil || !repace {
			return err
		}
		// A -32 came while this call waited for its turn: take a turn
		// again after the pause, at the slower pace, rather than going
		// with everyone else the moment the pause ends.
	}
}

// waitPauses waits out the pauses of both limiters after a -32.
func waitPauses(ctx context.Context, ls ...*limiter) error {
	for {
		var pause time.Duration
		now := time.Now()
		for _, l := range ls {
			l.mu.Lock()
			pause = max(pause, l.pauseLeftLocked(now))
			l.mu.Unlock()
		}
		if pause <= 0 {
			return nil
		}
		if err := sleepCtx(ctx, pause); err != nil {
			return err
		}
	}
}

// waitPace waits for a paced turn, as limiter.wait does.
func waitPace(ctx context.Context, lim *rate.Limiter) error {
	if err := lim.Wait(ctx); err != nil {
		if ctx.Err() == nil { // the next turn comes after ctx's deadline
			return fmt.Errorf("%w: no turn before the deadline", context.DeadlineExceeded)
		}
		return err
	}
	return nil
}

// admitBoth waits until both logs have room and records the send in both
// at once. repace reports a pause that began meanwhile: nothing was
// recorded, and the caller waits for it and for a new turn.
func admitBoth(ctx context.Context, oa, app *limiter) (repace bool, err error) {
	for {
		oa.mu.Lock() // always the OA's first, then the app's: no other code holds both
		app.mu.Lock()
		now := time.Now()
		paused := oa.pauseLeftLocked(now) > 0 || app.pauseLeftLocked(now) > 0
		d := max(oa.roomLocked(now), app.roomLocked(now), oa.gapLocked(now))
		if !paused && d <= 0 {
			oa.recordLocked(now)
			app.recordLocked(now)
			oa.last = now
			oa.noteRecentLocked(now)
		}
		app.mu.Unlock()
		oa.mu.Unlock()
		switch {
		case paused:
			return true, nil
		case d <= 0:
			return false, nil
		}
		if err := sleepCtx(ctx, d); err != nil {
			return false, err
		}
	}
}

// pauseLeftLocked ends a slow spell that is over and returns how long calls
// are still paused after a -32, as limiter.wait does. l.mu is held.
func (l *limiter) pauseLeftLocked(now time.Time) time.Duration {
	if !l.slowUntil.IsZero() && now.After(l.slowUntil) {
		l.lim.SetLimitAt(now, l.full)
		l.slowUntil = time.Time{}
		l.strikes = 0
	}
	return l.pausedUntil.Sub(now)
}

// roomLocked is how long until the log has room for one more send (0: now).
// l.mu is held.
func (l *limiter) roomLocked(now time.Time) time.Duration {
	if l.sent == nil {
		return 0
	}
	oldest := l.sent[l.next]
	if oldest.IsZero() || now.Sub(oldest) >= l.window {
		return 0
	}
	return l.window - now.Sub(oldest)
}

// recordLocked logs a send at now. l.mu is held.
func (l *limiter) recordLocked(now time.Time) {
	if l.sent == nil {
		return
	}
	l.sent[l.next] = now
	l.next = (l.next + 1) % len(l.sent)
	if l.onSend != nil {
		l.onSend(now)
	}
}

// gapLocked is how long until the OA's paced interval has passed since its
// latest send (0: now). The OA's pace is waited for before the app's, and
// the app's turn may come late when many calls queue for it; without this
// the OA's sends would bunch up (two in a row after one waited longer for
// the app), and its window would hold more than its pace allows. Measured
// from the actual sends, the OA's calls stay evenly spaced. l.mu is held.
func (l *limiter) gapLocked(now time.Time) time.Duration {
	lim := l.lim.Limit()
	if lim == rate.Inf || lim <= 0 || l.last.IsZero() {
		return 0
	}
	return l.last.Add(time.Duration(float64(time.Second) / float64(lim))).Sub(now)
}

// pausedUntilTime is when the pause after the latest -32 ends.
func (l *limiter) pausedUntilTime() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pausedUntil
}

// learnRate holds an OA's limiter to perMin calls a window from now on: the
// package limit a -32 named (rateLimited). It reports whether that changed
// anything (false when already held to it). Only an OA's limiter learns:
// every read of its log is under l.mu (admitBoth), where limiter.wait, the
// single client's, reads it unlocked.
func (l *limiter) learnRate(perMin int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.learned == perMin {
		return false
	}
	l.learned = perMin
	l.full = rate.Limit(float64(pacedCount(perMin)) / l.window.Seconds())
	l.sent, l.next = make([]time.Time, windowCap(perMin)), 0
	l.lim.SetLimit(l.full)
	return true
}

// learnedRate is the limit learnRate holds the OA to; 0 if none.
func (l *limiter) learnedRate() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.learned
}

// maxRecent bounds an OA's log of recent sends (noteRecentLocked); an OA's
// package limit is far below it (100 a minute for Growth, §7).
const maxRecent = 4096

// noteRecentLocked logs an OA's send at now in recent, whatever its limit:
// when a -32 teaches a limit, the sends already in Zalo's window are known
// (windowFull). l.mu is held.
func (l *limiter) noteRecentLocked(now time.Time) {
	l.pruneRecentLocked(now)
	if len(l.recent) >= maxRecent {
		l.recent = l.recent[1:]
	}
	l.recent = append(l.recent, now)
}

// pruneRecentLocked forgets the sends that left the window at now. l.mu is
// held.
func (l *limiter) pruneRecentLocked(now time.Time) {
	i := 0
	for i < len(l.recent) && now.Sub(l.recent[i]) >= l.window {
		i++
	}
	if i > 0 {
		l.recent = l.recent[i:] // not copied: append reallocates in time
	}
}

// windowFull reacts to a -32 of this OA's own limit of perMin calls a
// window (configured, or just learnt by learnRate), and returns how long
// the OA now waits.
//
// Zalo counts in a sliding window (§7), so the -32 says that window holds
// perMin calls now. A pause that starts the OA's pace afresh ignores them:
// each call after it meets the same full window and is refused again. So
// the OA's log of send times is rebuilt from what the window holds: the
// OA's own sends in the latest window (recent), and, when they are fewer
// than perMin, calls loaxa did not make (another process of the app, the
// run before a restart) taken as made just now, the safe reading. The OA
// then sends as each of those leaves the window, at its pace: no probing
// call that is sure to be refused, no doubling pause, no halved pace.
// A -32 answering a call sent before this one finds the log already full
// and changes nothing. l.mu is not held.
func (l *limiter) windowFull(perMin int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.pruneRecentLocked(now)
	for len(l.recent) < perMin && len(l.recent) < maxRecent {
		l.recent = append(l.recent, now)
	}
	if l.sent == nil { // no limit of its own: nothing to hold it to
		return 0
	}
	n := len(l.sent)
	clear(l.sent)
	copy(l.sent, l.recent[max(0, len(l.recent)-n):]) // oldest first, from index 0
	l.next = 0
	if len(l.recent) < n {
		l.next = len(l.recent)
	}
	wait := l.roomLocked(now)
	if until := now.Add(wait); until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	return wait
}
