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
	saved           time.Time // when the store took it (readStored), if known
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
	h := TokenHealth{
		Connected:       c.tok.state == stateConnected && c.tok.pending == nil,
		AccessExpiresAt: c.tok.expiresAt,
		LastRefresh:     c.tok.lastRefresh,
		LastError:       c.tok.lastErr,
		Unsaved:         c.tok.pending != nil,
		RefreshFailing:  c.tok.refreshFailing && c.tok.state == stateConnected,
		Refused:         c.tok.state == stateDisconnected,
	}
	switch {
	case c.tok.state == stateNoTokens || c.tok.state == stateDisconnected:
		h.Reason = Reason(c.stateErrLocked())
	case h.Unsaved:
		h.Reason = Reason(ErrTokensUnsaved)
	case h.RefreshFailing && c.tok.lastRefreshErr != nil:
		h.Reason = Reason(c.tok.lastRefreshErr)
	}
	return h
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
	access, refresh, exp, lifetime, saved := sp.access, sp.refresh, sp.expiresAt, sp.lifetime, sp.saved
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
			if saved.After(c.tok.lastRefresh) {
				// A pair stored by another process (a refresh, `loaxa
				// zalo connect`): it was issued then.
				c.tok.lastRefresh = saved
			}
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
	if access == "" && refresh == "" {
		return p, nil
	}
	if saved, aerr := c.store.ZaloTokensSavedAt(ctx); aerr == nil && !saved.IsZero() {
		p.saved = saved
		if !exp.IsZero() && exp.After(saved) {
			p.lifetime = exp.Sub(saved)
		}
	}
	return p, nil
}

// stateErrLocked is the error every call gets in the current state.
func (c *Client) stateErrLocked() error {
	switch c.tok.state {
	case stateNoTokens:
		return c.disconnected(ErrNotConnected, "")
	case stateDisconnected:
		return c.disconnected(ErrReconnect, c.tok.lastErr)
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
