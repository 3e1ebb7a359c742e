package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Connecting with a refresh token given by hand (`loaxa zalo connect
// --refresh-token-file`).

// TokenReplacer is a TokenStore that can take a refresh token given by hand
// and put back the pair it replaced (notices.CommuneTokens).
type TokenReplacer interface {
	// ReplaceZaloTokens stores refresh as the pair (no access token yet)
	// and clears the refresh mark; restore puts back, in one transaction,
	// the pair (or none) and the mark it replaced.
	ReplaceZaloTokens(ctx context.Context, refresh string) (restore func(context.Context) error, err error)
}

// ErrTokenNotTaken means a refresh token given by hand was answered without
// a rotation (Zalo refused it, or the request never left, or a definite
// error such as -32 came back): nothing was spent, and the stored pair was
// put back as it was.
var ErrTokenNotTaken = errors.New("the refresh token given was not taken; the stored zalo tokens are as they were")

// ConnectRefreshToken makes rt the stored pair and spends it once, under
// the refresh lock, so that no other process's refresh comes in between.
// rt is stored before it goes to Zalo, with the refresh mark: if the
// answer is lost, Zalo may have spent it, and it is never sent again. If
// the answer shows that nothing rotated (answered), the replaced pair and
// mark are put back in one transaction, and the error wraps
// ErrTokenNotTaken.
func (c *Client) ConnectRefreshToken(ctx context.Context, rt string) error {
	rs, ok := c.store.(TokenReplacer)
	if !ok {
		return errors.New("connect zalo: this token store cannot take a refresh token by hand")
	}
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	unlock, err := c.lockRefresh(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	restore, err := rs.ReplaceZaloTokens(ctx, rt)
	if err != nil {
		return fmt.Errorf("connect zalo: %w: %v", ErrTokensUnsaved, err)
	}
	if _, jerr := c.store.BeginZaloRefresh(ctx); jerr != nil {
		if rerr := restore(context.WithoutCancel(ctx)); rerr != nil {
			return fmt.Errorf("connect zalo: %w: %v; %v", ErrTokensUnsaved, jerr, rerr)
		}
		return fmt.Errorf("connect zalo: %w: %v", ErrTokensUnsaved, jerr)
	}
	pair, err := c.requestToken(ctx, "refresh zalo token", map[string]string{
		"refresh_token": rt,
		"app_id":        c.cfg.AppID,
		"grant_type":    "refresh_token",
	})
	if err != nil {
		if !answered(err) {
			// Zalo may have spent rt: it stays stored with the mark, so
			// that no process sends it again.
			c.mu.Lock()
			c.tok = tokenState{state: stateUnloaded, lastErr: err.Error()}
			c.mu.Unlock()
			return fmt.Errorf("connect zalo: %w", err)
		}
		if rerr := restore(context.WithoutCancel(ctx)); rerr != nil {
			return fmt.Errorf("connect zalo: %v; and %w: %v", err, ErrTokensUnsaved, rerr)
		}
		c.mu.Lock()
		c.tok = tokenState{state: stateUnloaded}
		c.mu.Unlock()
		c.log.Warn().Err(err).Int("zalo_code", apiCode(err)).
			Msg("the refresh token given by hand was not taken; the stored zalo tokens are as they were")
		return fmt.Errorf("%w: %w", ErrTokenNotTaken, err)
	}
	c.mu.Lock()
	c.tok.gen++
	c.tok.lastRefreshErr = nil
	c.tok.pending = &pair
	c.mu.Unlock()
	return c.savePendingLocked(ctx)
}

// OAInfo is who the access token acts for (GET /v2.0/oa/getoa).
type OAInfo struct {
	ID   string
	Name string
}

// OAInfo asks Zalo which OA the client's token pair is for.
func (c *Client) OAInfo(ctx context.Context) (OAInfo, error) {
	var d struct {
		OAID  flexString `json:"oa_id"`
		OAID2 flexString `json:"oaid"` // one integrator reads this spelling
		Name  flexString `json:"name"`
	}
	if err := c.do(ctx, call{op: "get oa info", method: http.MethodGet, path: "/v2.0/oa/getoa"}, &d); err != nil {
		return OAInfo{}, err
	}
	id := firstNonEmpty(string(d.OAID), string(d.OAID2))
	if id == "" {
		return OAInfo{}, fmt.Errorf("get oa info: %w: no oa_id", ErrMalformedAnswer)
	}
	return OAInfo{ID: id, Name: string(d.Name)}, nil
}
