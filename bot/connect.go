package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Connecting with a refresh token given by hand (`loaxa zalo connect
// --refresh-token-file`).

// HandTokenStore is a TokenStore that can spend a refresh token given by
// hand beside the stored pair, which stays as it is until the new pair is
// accepted (notices.CommuneTokens): a kill at any moment leaves a usable
// pair stored.
type HandTokenStore interface {
	// BeginHandRefresh records, in one transaction, that refresh goes to
	// Zalo now. If an earlier run's new pair is held (HoldHandPair) and
	// not stored, it returns that pair instead, and refresh is not to be
	// sent. A refresh token recorded as sent whose answer was never stored
	// is refused (notices.ErrHandTokenSent), sent saying when it went.
	BeginHandRefresh(ctx context.Context, refresh string) (heldAccess, heldRefresh string, heldExpires, sent time.Time, err error)
	// HoldHandPair keeps Zalo's new pair beside the stored one, in one
	// transaction.
	HoldHandPair(ctx context.Context, access, refresh string, accessExpiresAt time.Time) error
	// CommitHandPair makes the held pair the stored pair, issued for the
	// OA oaID ("" when unknown), in one transaction.
	CommitHandPair(ctx context.Context, oaID string) error
	// DropHandRefresh forgets the token and any pair held; the stored
	// pair stays. why, in Vietnamese, goes to the audit log.
	DropHandRefresh(ctx context.Context, why string) error
}

// ErrTokenNotTaken means a refresh token given by hand was answered without
// a rotation (Zalo refused it, or the request never left, or a definite
// error such as -32 came back): nothing was spent, and the stored pair is
// as it was.
var ErrTokenNotTaken = errors.New("the refresh token given was not taken; the stored zalo tokens are as they were")

// ErrPairRefused means Zalo rotated the refresh token given by hand, but
// the new pair was not stored, because accept refused its OA: the stored
// pair is as it was, and the token given is spent.
var ErrPairRefused = errors.New("zalo rotated the refresh token given, but its new pair was refused and not stored")

// ErrPairHeld means Zalo rotated the refresh token given by hand and its
// new pair is written down, but not yet stored as the pair in use,
// because Zalo could not be asked whose OA it is for (network, stop): the
// stored pair is as it was, and the next ConnectRefreshToken finishes it.
var ErrPairHeld = errors.New("zalo rotated the refresh token given; its new pair is kept but not yet stored")

// Connected says how ConnectRefreshToken went.
type Connected struct {
	OA    OAInfo // the OA of the new pair; ID "" when Zalo did not say
	OAErr error  // why the OA is not known
	// Resumed is true when the pair stored is an earlier run's, held but
	// not stored (a kill came in between): the token given was not sent.
	Resumed bool
}

// ConnectRefreshToken spends rt, a refresh token given by hand, and stores
// the pair Zalo gives for it, under the refresh lock, so that no other
// process's refresh comes in between. The stored pair is not touched until
// the end, so that it stays usable whatever happens:
//
//  1. rt is recorded as sent, in one transaction (a token sent whose answer
//     was lost is never sent again: Zalo may have spent it);
//  2. rt goes to Zalo; an answer that rotated nothing forgets the record
//     (ErrTokenNotTaken), a lost one keeps it;
//  3. the new pair is written down, in one transaction, before anything
//     else that can fail;
//  4. Zalo is asked whose OA the new pair is for (getoa with the new access
//     token), and accept (may be nil) judges it: an error from accept drops
//     the new pair (ErrPairRefused; its text, Vietnamese, goes to the
//     audit log); no answer keeps it written down, for
//     the next run to finish (ErrPairHeld);
//  5. the new pair becomes the stored pair, in one transaction.
//
// A pair held by an earlier run that was stopped between 3 and 5 is
// finished instead, from 4, and rt is not sent (Connected.Resumed).
func (c *Client) ConnectRefreshToken(ctx context.Context, rt string, accept func(context.Context, OAInfo) error) (Connected, error) {
	hs, ok := c.store.(HandTokenStore)
	if !ok {
		return Connected{}, errors.New("connect zalo: this token store cannot take a refresh token by hand")
	}
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	unlock, err := c.lockRefresh(ctx)
	if err != nil {
		return Connected{}, err
	}
	defer unlock()
	var done Connected
	access, refresh, expires, _, err := hs.BeginHandRefresh(ctx, rt)
	if err != nil {
		return done, fmt.Errorf("connect zalo: %w", err)
	}
	pair := tokenPair{access: access, refresh: refresh, expiresAt: expires}
	if refresh != "" {
		done.Resumed = true
	} else {
		pair, err = c.requestToken(ctx, "refresh zalo token", map[string]string{
			"refresh_token": rt,
			"app_id":        c.cfg.AppID,
			"grant_type":    "refresh_token",
		})
		if err != nil {
			if !answered(err) {
				// Zalo may have spent rt: its record stays, so that it is
				// not sent again; the stored pair is untouched.
				return done, fmt.Errorf("connect zalo: %w", err)
			}
			if derr := hs.DropHandRefresh(context.WithoutCancel(ctx), "Zalo không nhận nó"); derr != nil {
				c.log.Warn().Err(derr).Msg("forget the refresh token given by hand")
			}
			c.log.Warn().Err(err).Int("zalo_code", apiCode(err)).
				Msg("the refresh token given by hand was not taken; the stored zalo tokens are as they were")
			return done, fmt.Errorf("%w: %w", ErrTokenNotTaken, err)
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
		err = hs.HoldHandPair(sctx, pair.access, pair.refresh, pair.expiresAt)
		cancel()
		if err != nil {
			return done, fmt.Errorf("connect zalo: %w: %v", ErrTokensUnsaved, err)
		}
	}
	done.OA, done.OAErr = c.oaInfoWith(ctx, pair.access)
	var te *TransportError
	if done.OAErr != nil && (errors.As(done.OAErr, &te) || ctx.Err() != nil) {
		return done, fmt.Errorf("%w: %w", ErrPairHeld, done.OAErr)
	}
	if accept != nil && done.OAErr == nil {
		if err := accept(ctx, done.OA); err != nil {
			if derr := hs.DropHandRefresh(context.WithoutCancel(ctx), "Zalo đã đổi nó lấy cặp mới, nhưng cặp mới không được lưu ("+err.Error()+")"); derr != nil {
				return done, fmt.Errorf("connect zalo: %w: %w (and forgetting it: %v)", ErrPairRefused, err, derr)
			}
			return done, fmt.Errorf("%w: %w", ErrPairRefused, err)
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	err = hs.CommitHandPair(sctx, done.OA.ID)
	cancel()
	if err != nil {
		return done, fmt.Errorf("connect zalo: %w: %v", ErrTokensUnsaved, err)
	}
	c.mu.Lock()
	c.tok = tokenState{gen: c.tok.gen + 1, state: stateConnected, access: pair.access, refresh: pair.refresh,
		expiresAt: pair.expiresAt, lifetime: pair.lifetime, lastRefresh: c.now()}
	c.mu.Unlock()
	return done, nil
}

// OAInfo is who the access token acts for (GET /v2.0/oa/getoa).
type OAInfo struct {
	ID   string
	Name string
}

// oaAnswer is getoa's data.
type oaAnswer struct {
	OAID  flexString `json:"oa_id"`
	OAID2 flexString `json:"oaid"` // one integrator reads this spelling
	Name  flexString `json:"name"`
}

var getOA = call{op: "get oa info", method: http.MethodGet, path: "/v2.0/oa/getoa"}

// OAInfo asks Zalo which OA the client's token pair is for.
func (c *Client) OAInfo(ctx context.Context) (OAInfo, error) {
	var d oaAnswer
	if err := c.do(ctx, getOA, &d); err != nil {
		return OAInfo{}, err
	}
	return d.info()
}

// oaInfoWith asks Zalo which OA access is for, with that token alone: one
// request, no refresh, nothing stored.
func (c *Client) oaInfoWith(ctx context.Context, access string) (OAInfo, error) {
	var d oaAnswer
	if err := c.once(ctx, getOA, access, &d); err != nil {
		return OAInfo{}, err
	}
	return d.info()
}

func (d oaAnswer) info() (OAInfo, error) {
	id := firstNonEmpty(string(d.OAID), string(d.OAID2))
	if id == "" {
		return OAInfo{}, fmt.Errorf("get oa info: %w: no oa_id", ErrMalformedAnswer)
	}
	return OAInfo{ID: id, Name: string(d.Name)}, nil
}
