package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

type connState int

const (
	stateUnloaded     connState = iota // nothing read from the store yet
	stateNoTokens                      // the store holds no pair
	stateConnected                     // a usable pair
	stateDisconnected                  // Zalo refused our refresh token
)

const (
	// storeRecheck is how often a disconnected client looks in the store for
	// a pair saved by another process (`loaxa zalo connect`).
	storeRecheck = 10 * time.Second
	// refreshCooldown spaces proactive refresh attempts after one failed for
	// a transient reason while the access token is still valid.
	refreshCooldown = 30 * time.Second
	// saveTimeout bounds storing a rotated pair, whatever the caller's ctx.
	saveTimeout = 15 * time.Second
)

type tokenState struct {
	state     connState
	access    string
	refresh   string
	expiresAt time.Time
	lifetime  time.Duration // of the access token, when known; bounds the refresh-ahead margin

	pending *tokenPair // rotated by Zalo, not yet stored: must be stored before anything else

	refused        string    // the refresh token Zalo refused (when disconnected)
	lastStoreCheck time.Time // when disconnected or without tokens
	proactiveAfter time.Time // no proactive refresh before this
	gen            uint64    // counts refresh attempts
	lastRefreshErr error     // result of the latest attempt, for callers that waited on it
	lastRefresh    time.Time
	lastErr        string
	refreshFailing bool // see TokenHealth.RefreshFailing
}

type tokenPair struct {
	access, refresh string
	expiresAt       time.Time
	lifetime        time.Duration
	asked           time.Time // when the request that returned it was sent
}

// aheadLocked is how long before expiry the access token is refreshed:
// Config.RefreshAhead as given; by default DefaultRefreshAhead, but at most
// a fifth of the token's lifetime, so that a token that lives shorter than
// the margin (Zalo's "expires_in" of old, 3600) is not refreshed, and its
// refresh token rotated, on every call.
func (c *Client) aheadLocked() time.Duration {
	ahead := c.cfg.RefreshAhead
	if l := c.tok.lifetime; c.autoAhead && l > 0 && l/5 < ahead {
		ahead = l / 5
	}
	return ahead
}

// Health reports the token state without I/O.
func (c *Client) Health() TokenHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	return TokenHealth{
		Connected:       c.tok.state == stateConnected && c.tok.pending == nil,
		AccessExpiresAt: c.tok.expiresAt,
		LastRefresh:     c.tok.lastRefresh,
		LastError:       c.tok.lastErr,
		Unsaved:         c.tok.pending != nil,
		RefreshFailing:  c.tok.refreshFailing && c.tok.state == stateConnected,
	}
}

// Reload reads the pair from the store and uses it. A disconnected client
// reconnects if the store holds a different refresh token than the one Zalo
// refused. It returns ErrNotConnected or ErrReconnect when the client still
// cannot call Zalo.
func (c *Client) Reload(ctx context.Context) error {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	return c.loadLocked(ctx)
}

// loadLocked reads the store; the caller holds refreshMu.
func (c *Client) loadLocked(ctx context.Context) error {
	if err := c.savePendingLocked(ctx); err != nil {
		return err
	}
	sp, err := c.readStored(ctx)
	access, refresh, exp, lifetime := sp.access, sp.refresh, sp.expiresAt, sp.lifetime
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tok.lastStoreCheck = c.now()
	if err != nil {
		return err
	}
	switch {
	case refresh == "" && access == "":
		if c.tok.state != stateDisconnected {
			c.tok.state = stateNoTokens
		}
	case c.tok.state == stateDisconnected && refresh == c.tok.refused:
		// Still the refused pair: nothing new.
	default:
		if c.tok.state == stateDisconnected {
			c.log.Info().Msg("new zalo tokens found in the store; reconnected")
			c.tok.lastErr = ""
		}
		c.tok.state = stateConnected
		if access != c.tok.access || refresh != c.tok.refresh {
			c.tok.lifetime = lifetime
		}
		c.tok.access, c.tok.refresh, c.tok.expiresAt = access, refresh, exp
		c.tok.refused = ""
		c.tok.proactiveAfter = time.Time{}
	}
	return c.stateErrLocked()
}

// readStored reads the stored pair and, when the store knows when it was
// saved, the access token's lifetime.
func (c *Client) readStored(ctx context.Context) (tokenPair, error) {
	access, refresh, exp, err := c.store.LoadZaloTokens(ctx)
	if err != nil {
		return tokenPair{}, fmt.Errorf("load zalo tokens: %w", err)
	}
	p := tokenPair{access: access, refresh: refresh, expiresAt: exp}
	if !exp.IsZero() {
		if saved, aerr := c.store.ZaloTokensSavedAt(ctx); aerr == nil && !saved.IsZero() && exp.After(saved) {
			p.lifetime = exp.Sub(saved)
		}
	}
	return p, nil
}

// stateErrLocked is the error every call gets in the current state.
func (c *Client) stateErrLocked() error {
	switch c.tok.state {
	case stateNoTokens:
		return ErrNotConnected
	case stateDisconnected:
		if c.tok.lastErr != "" {
			return fmt.Errorf("%w (%s)", ErrReconnect, c.tok.lastErr)
		}
		return ErrReconnect
	}
	return nil
}

// accessToken returns a token to call with, loading and refreshing as needed.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	st, pending := c.tok.state, c.tok.pending != nil
	recheck := c.now().Sub(c.tok.lastStoreCheck) >= storeRecheck
	c.mu.Unlock()

	if pending || st == stateUnloaded || (st != stateConnected && recheck) {
		c.refreshMu.Lock()
		err := c.loadLocked(ctx)
		c.refreshMu.Unlock()
		if err != nil {
			return "", err
		}
	}

	c.mu.Lock()
	if err := c.stateErrLocked(); err != nil {
		c.mu.Unlock()
		return "", err
	}
	access, exp := c.tok.access, c.tok.expiresAt
	now := c.now()
	due := access == "" || exp.IsZero() || !now.Before(exp.Add(-c.aheadLocked()))
	due = due && !now.Before(c.tok.proactiveAfter)
	c.mu.Unlock()
	if !due {
		return access, nil
	}

	err := c.refreshFrom(ctx, access, false)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		stillValid := access != "" && c.tok.access == access && c.now().Before(exp)
		if stillValid && !errors.Is(err, ErrReconnect) {
			c.log.Warn().Err(err).Time("access_expires_at", exp).
				Msg("proactive zalo token refresh failed; using the current token")
			return access, nil
		}
		return "", err
	}
	if err := c.stateErrLocked(); err != nil {
		return "", err
	}
	return c.tok.access, nil
}

// refreshAfterRejection handles -216/-220/-124 for the token rejected.
func (c *Client) refreshAfterRejection(ctx context.Context, rejected string) error {
	return c.refreshFrom(ctx, rejected, true)
}

// refreshFrom refreshes the pair unless someone else already did (or tried)
// since the caller saw access token seen. forced is set when Zalo rejected
// seen; otherwise the refresh is proactive.
//
// Across processes: it takes the store's refresh lock (LockZaloRefresh),
// re-reads the stored pair under it, and spends the refresh token only if
// the stored pair is still the one it was about to replace; otherwise it
// adopts the stored pair. It never sends a refresh token that may already
// be spent: one that Zalo refused, or one whose earlier refresh request left
// and never stored its answer (the refresh mark of RefreshJournal).
func (c *Client) refreshFrom(ctx context.Context, seen string, forced bool) error {
	c.mu.Lock()
	gen := c.tok.gen
	c.mu.Unlock()

	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()

	c.mu.Lock()
	if c.tok.gen != gen { // another caller attempted a refresh while we waited: use its result
		err := c.tok.lastRefreshErr
		c.mu.Unlock()
		return err
	}
	if c.tok.access != seen || c.tok.state != stateConnected || c.tok.pending != nil {
		err, pending := c.stateErrLocked(), c.tok.pending != nil
		c.mu.Unlock()
		if pending {
			return c.savePendingLocked(ctx)
		}
		return err
	}
	rt := c.tok.refresh
	c.mu.Unlock()

	unlock, err := c.lockRefresh(ctx)
	if err != nil {
		return c.refreshNotTried(err, "another loaxa process holds the zalo token refresh lock; the refresh is tried again later")
	}
	defer unlock()

	// Under the lock the store is the truth: another process (the daemon,
	// `loaxa zalo status`, `hamlet sync`, `zalo connect`) may have rotated
	// the pair since we read it. Spending our copy then would send a spent
	// refresh token.
	sp, err := c.readStored(ctx)
	if err != nil {
		return c.refreshNotTried(fmt.Errorf("%w: %v", ErrTokensUnsaved, err),
			"the database cannot be read; zalo token not refreshed, so that no spent refresh token is sent")
	}
	if sp.refresh != "" && (sp.refresh != rt || sp.access != seen) {
		c.mu.Lock()
		c.tok.access, c.tok.refresh, c.tok.expiresAt, c.tok.lifetime = sp.access, sp.refresh, sp.expiresAt, sp.lifetime
		fresh := sp.access != "" && c.now().Before(sp.expiresAt.Add(-c.aheadLocked()))
		c.mu.Unlock()
		if (forced && sp.access != seen && sp.access != "") || fresh {
			c.log.Info().Msg("using newer zalo tokens found in the store")
			return nil
		}
		rt = sp.refresh // the newest: nobody else can be spending it while we hold the lock
	}

	// Mark the refresh before Zalo spends the refresh token. A store that
	// cannot take the mark could not take the new pair either: keep the
	// token unspent and try again later.
	earlier, jerr := c.store.BeginZaloRefresh(ctx)
	if jerr != nil {
		c.log.Error().Err(jerr).Msg("database does not take writes; zalo token not refreshed, so that the rotated pair cannot be lost")
		return c.refreshNotTried(fmt.Errorf("refresh zalo token: %w: %v", ErrTokensUnsaved, jerr), "")
	}
	if !earlier.IsZero() {
		// A refresh request with this token left at `earlier` and its answer
		// never reached the store: the process stopped, or the answer was
		// lost, between Zalo receiving it and our commit. Zalo may have spent
		// the token; sending it again would present a spent refresh token,
		// which a strict OAuth server answers by revoking the connection.
		return c.strandedLocked(rt, earlier)
	}

	pair, err := c.requestToken(ctx, "refresh zalo token", map[string]string{
		"refresh_token": rt,
		"app_id":        c.cfg.AppID,
		"grant_type":    "refresh_token",
	})

	if err != nil && answered(err) {
		// The request never left, or was answered without a rotation:
		// this refresh left no doubt, and the token is unspent.
		if jerr := c.store.EndZaloRefresh(context.WithoutCancel(ctx)); jerr != nil {
			c.log.Warn().Err(jerr).Msg("clear the zalo token refresh mark")
		}
	}
	c.mu.Lock()
	c.tok.gen++
	if err != nil {
		if refusedByZalo(err) {
			c.tok.state = stateDisconnected
			c.tok.refused = rt
			c.tok.lastStoreCheck = c.now()
			c.tok.lastErr = err.Error()
			c.tok.refreshFailing = false
			code := apiCode(err)
			err = fmt.Errorf("%w (%s)", ErrReconnect, c.tok.lastErr)
			c.log.Error().Err(err).Int("zalo_code", code).
				Msg("zalo refused the refresh token; sending stops until the OA is reconnected: run `loaxa zalo connect` or use Kết nối Zalo OA in the admin site")
		} else {
			c.tok.proactiveAfter = c.now().Add(refreshCooldown)
			c.tok.lastErr = err.Error()
			c.tok.refreshFailing = true
			switch {
			case errors.Is(err, ErrNotZaloAnswer):
				c.log.Error().Err(err).Msg("the zalo token endpoint answered with a page that is not Zalo's (a proxy or firewall in the way?); the token pair is kept and the refresh tried again")
			case !answered(err):
				c.log.Error().Err(err).
					Msg("zalo token refresh: no answer after the request left; Zalo may have spent the refresh token, so it is not sent again: if the next refresh cannot go ahead, reconnect the OA")
			default:
				c.log.Warn().Err(err).Msg("zalo token refresh failed; will try again")
			}
		}
		c.tok.lastRefreshErr = err
		c.mu.Unlock()
		return err
	}
	// The refresh token rt is spent now: the new pair must be stored before
	// anything uses it, and before any other refresh. Nothing else happens
	// before the commit.
	c.tok.pending = &pair
	c.tok.lastRefreshErr = nil
	c.mu.Unlock()
	if err := c.savePendingLocked(ctx); err != nil {
		c.mu.Lock()
		c.tok.lastRefreshErr = err
		c.mu.Unlock()
		return err
	}
	return nil
}

// lockRefresh takes the store's cross-process refresh lock, if it has one.
func (c *Client) lockRefresh(ctx context.Context) (func(), error) {
	unlock, err := c.store.LockZaloRefresh(ctx)
	if err != nil {
		return nil, fmt.Errorf("refresh zalo token: %w: %v", ErrRefreshBusy, err)
	}
	return unlock, nil
}

// refreshNotTried records a refresh that did not go to Zalo (nothing was
// spent): callers waiting on refreshMu share the outcome, and proactive
// refreshes pause for a while. The caller holds refreshMu.
func (c *Client) refreshNotTried(err error, logMsg string) error {
	c.mu.Lock()
	c.tok.gen++
	c.tok.proactiveAfter = c.now().Add(refreshCooldown)
	c.tok.lastErr = err.Error()
	c.tok.refreshFailing = true
	c.tok.lastRefreshErr = err
	c.mu.Unlock()
	if logMsg != "" {
		c.log.Warn().Err(err).Msg(logMsg)
	}
	return err
}

// strandedLocked disconnects the client without sending rt, whose refresh
// started at earlier never stored its answer. The caller holds refreshMu.
func (c *Client) strandedLocked(rt string, earlier time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tok.gen++
	c.tok.state = stateDisconnected
	c.tok.refused = rt
	c.tok.lastStoreCheck = c.now()
	c.tok.refreshFailing = false
	c.tok.lastErr = fmt.Sprintf("a token refresh started at %s never stored Zalo's answer (loaxa was stopped, "+
		"or the answer was lost, after the request left), so Zalo may have spent the stored refresh token; "+
		"it is not sent again, because a spent refresh token presented twice can make Zalo revoke the connection",
		earlier.Local().Format(time.DateTime))
	err := fmt.Errorf("%w (%s)", ErrReconnect, c.tok.lastErr)
	c.tok.lastRefreshErr = err
	c.log.Error().Err(err).Time("refresh_started_at", earlier).
		Msg("the zalo refresh token may be spent; sending stops until the OA is reconnected: run `loaxa zalo connect` or use Kết nối Zalo OA in the admin site")
	return err
}

// savePendingLocked stores a rotated pair and then adopts it. The caller
// holds refreshMu. The save runs even if ctx is cancelled: losing the pair
// would strand the OA.
func (c *Client) savePendingLocked(ctx context.Context) error {
	c.mu.Lock()
	p := c.tok.pending
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	err := c.store.SaveZaloTokens(sctx, p.access, p.refresh, p.expiresAt)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.tok.lastErr = "store rotated zalo tokens: " + err.Error()
		c.log.Error().Err(err).Msg("store rotated zalo tokens; holding them in memory and trying again on the next call")
		return fmt.Errorf("store rotated zalo tokens: %w: %v", ErrTokensUnsaved, err)
	}
	c.tok.pending = nil
	c.tok.state = stateConnected
	c.tok.access, c.tok.refresh, c.tok.expiresAt, c.tok.lifetime = p.access, p.refresh, p.expiresAt, p.lifetime
	c.tok.refused = ""
	c.tok.lastRefresh = c.now()
	c.tok.lastErr = ""
	c.tok.refreshFailing = false
	c.tok.proactiveAfter = time.Time{}
	ev := c.log.Info().Time("access_expires_at", p.expiresAt)
	if !p.asked.IsZero() {
		// From the request to the commit: the moment a crash strands the OA.
		ev = ev.Int64("took_ms", time.Since(p.asked).Milliseconds())
	}
	ev.Msg("zalo tokens rotated and stored")
	return nil
}

// refusedByZalo tells a refused refresh (terminal) from one worth trying
// again: -32, HTTP 5xx, network errors and unreadable answers.
func refusedByZalo(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Class() {
	case ClassTransient, ClassRateLimited:
		return false
	}
	return true
}

// answered reports whether a refresh request certainly did not rotate the
// pair: it never left (the connection could not be opened, or the request
// was not written whole), or it got a definite answer (a Zalo error code, a
// 4xx or 503, a page that is not Zalo's). A lost or timed-out answer, or a
// gateway's 500/502/504, leaves it unknown.
func answered(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return !te.MaybeDelivered
	}
	if errors.Is(err, ErrNotZaloAnswer) {
		return true
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Code != 0 || ae.HTTPStatus < 500 || ae.HTTPStatus == 503
}

func apiCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

// Upkeep refreshes the access token if it expires within RefreshAhead. The
// daemon calls it on a schedule, so that an idle OA keeps its pair fresh
// rather than discovering an expired one at the next notice.
func (c *Client) Upkeep(ctx context.Context) error {
	// A refresh whose answer never reached the store (the process died
	// between Zalo rotating the pair and the commit) may have spent the
	// stored refresh token. Look now, under the refresh lock, rather than at
	// the next send hours later: if the mark was another process's refresh
	// in flight, its new pair is adopted; if it is still there, the client
	// disconnects at once, loudly, without sending the token again.
	if at, err := c.store.ZaloRefreshInterrupted(ctx); err == nil && !at.IsZero() {
		if _, err := c.accessToken(ctx); err != nil {
			return err
		}
		c.mu.Lock()
		access := c.tok.access
		c.mu.Unlock()
		c.log.Warn().Time("refresh_started_at", at).
			Msg("a zalo token refresh never stored its answer; checking under the refresh lock")
		return c.refreshFrom(ctx, access, true)
	}
	_, err := c.accessToken(ctx)
	return err
}
