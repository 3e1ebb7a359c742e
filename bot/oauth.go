package bot

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// OAuth v4, OA flavour (zalo-oa-api.md §1): the admin opens AuthURL, Zalo
// redirects to the callback with ?code=…&oa_id=…&state=…, and ExchangeCode
// turns the code into the first token pair.

// NewPKCE returns a code verifier (base64url without padding of 32 random
// bytes, 43 characters) and its challenge, base64url-nopad(SHA-256(verifier)).
// Keep the verifier secret until ExchangeCode.
func NewPKCE() (verifier, challenge string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("bot: crypto/rand failed: " + err.Error()) // rand.Read never fails on supported platforms
	}
	verifier = base64.RawURLEncoding.EncodeToString(b)
	return verifier, pkceChallenge(verifier)
}

func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthURL is the page where the OA admin grants the app access. redirectURI
// must match the callback URL saved in the Zalo console (else -14003).
func (c *Client) AuthURL(redirectURI, challenge, state string) string {
	return c.cfg.OAuthBase + "/v4/oa/permission?app_id=" + url.QueryEscape(c.cfg.AppID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&code_challenge=" + url.QueryEscape(challenge) +
		"&state=" + url.QueryEscape(state)
}

// ExchangeCode trades an authorisation code (single-use, valid 10 minutes)
// and its PKCE verifier for a token pair, stores the pair and uses it from
// then on. It reconnects a disconnected client.
func (c *Client) ExchangeCode(ctx context.Context, code, verifier string) error {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	pair, err := c.requestToken(ctx, "exchange zalo authorization code", map[string]string{
		"code":          code,
		"app_id":        c.cfg.AppID,
		"grant_type":    "authorization_code",
		"code_verifier": verifier,
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.tok.gen++
	c.tok.lastRefreshErr = nil
	c.tok.pending = &pair
	c.mu.Unlock()
	return c.savePendingLocked(ctx)
}

// tokenAnswer is the token endpoint's answer: the pair on success, an error
// code and some of error_name/error_reason/error_description otherwise.
type tokenAnswer struct {
	AccessToken      string     `json:"access_token"`
	RefreshToken     string     `json:"refresh_token"`
	ExpiresIn        flexInt    `json:"expires_in"` // "90000" or 90000
	Error            flexInt    `json:"error"`
	ErrorName        flexString `json:"error_name"`
	ErrorReason      flexString `json:"error_reason"`
	ErrorDescription flexString `json:"error_description"`
	Message          flexString `json:"message"`
}

// requestToken posts to /v4/oa/access_token. The caller holds refreshMu.
// Once the request is on its way it is not cut short by ctx: Zalo may rotate
// the refresh token on receipt, and the answer is the only copy of the new
// pair. Client.Timeout still bounds it.
func (c *Client) requestToken(ctx context.Context, op string, form map[string]string) (tokenPair, error) {
	if err := c.limiter.wait(ctx); err != nil {
		return tokenPair{}, fmt.Errorf("%s: wait for the rate limit: %w", op, err)
	}
	start := time.Now()
	resp, err := c.http.R().SetContext(context.WithoutCancel(ctx)).
		SetHeader("secret_key", c.cfg.AppSecret).
		SetFormData(form).
		Post(c.cfg.OAuthBase + "/v4/oa/access_token")
	if err != nil {
		return tokenPair{}, newTransportError(op, false, err)
	}
	status, body := resp.StatusCode(), resp.Body()
	c.log.Debug().Str("op", op).Int("http_status", status).Int64("took_ms", time.Since(start).Milliseconds()).
		Msg("zalo token call")

	var ans tokenAnswer
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&ans); err != nil {
		if status >= 400 {
			return tokenPair{}, fmt.Errorf("%s: %w", op, newAPIError(0, http.StatusText(status), status))
		}
		return tokenPair{}, fmt.Errorf("%s: %w (HTTP %d): %v", op, ErrMalformedAnswer, status, err)
	}
	if ans.Error != 0 || ans.AccessToken == "" {
		msg := firstNonEmpty(string(ans.ErrorReason), string(ans.ErrorDescription), string(ans.ErrorName), string(ans.Message))
		if ans.Error == 0 && status < 400 {
			msg = firstNonEmpty(msg, "answer has no access_token")
		}
		ae := newAPIError(int(ans.Error), msg, status)
		if ae.RateLimited() {
			c.limiter.backOff()
		}
		return tokenPair{}, fmt.Errorf("%s: %w", op, ae)
	}
	if ans.RefreshToken == "" {
		// The old refresh token is spent; without a new one the OA must be
		// reconnected sooner or later. Keep the access token meanwhile.
		c.log.Error().Str("op", op).Msg("zalo token answer has no refresh_token")
	}
	ttl := time.Duration(ans.ExpiresIn) * time.Second
	if ans.ExpiresIn <= 0 {
		ttl = 25 * time.Hour // not stated: the documented lifetime; -216 catches an earlier end
	}
	return tokenPair{access: ans.AccessToken, refresh: ans.RefreshToken, expiresAt: c.now().Add(ttl),
		lifetime: ttl, asked: start}, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
