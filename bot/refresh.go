package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Refreshing the token pair: one refresh at a time, in this process and
// across processes, never spending a refresh token that may be spent.

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
			err = c.disconnected(ErrReconnect, c.tok.lastErr)
			c.log.Error().Err(err).Int("zalo_code", code).
				Msg("zalo refused the refresh token; sending stops until the OA is reconnected: run `" + ConnectCommand(c.oa) + "` or use Kết nối Zalo OA in the admin site")
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
	err := c.disconnected(ErrReconnect, c.tok.lastErr)
	c.tok.lastRefreshErr = err
	c.log.Error().Err(err).Time("refresh_started_at", earlier).
		Msg("the zalo refresh token may be spent; sending stops until the OA is reconnected: run `" + ConnectCommand(c.oa) + "` or use Kết nối Zalo OA in the admin site")
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
