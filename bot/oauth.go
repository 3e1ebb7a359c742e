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
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
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
	// A code exchange supersedes the stored pair: no refresh of another
	// process may be in flight meanwhile, or its answer would overwrite ours.
	unlock, err := c.lockRefresh(ctx)
	if err != nil {
		return err
	}
	defer unlock()
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

// Pair is a token pair Zalo issued, handed to ExchangeCodeFor's elsewhere
// to store.
type Pair struct {
	Access, Refresh string
	AccessExpiresAt time.Time
}

// Exchanged says how ExchangeCodeFor went.
type Exchanged struct {
	OA    OAInfo // the OA of the new pair; ID "" when Zalo did not say
	OAErr error  // why the OA is not known
	// Elsewhere is true when elsewhere stored the pair (the OA is another
	// commune's): the client's stored pair was not touched.
	Elsewhere bool
}

// ExchangeCodeFor trades code as ExchangeCode does, but asks Zalo whose OA
// the new pair is for (getoa with the new access token) before storing it,
// and hands the OA and the pair to elsewhere first. A code exchange
// supersedes the OA's earlier refresh token, so when the OA is another
// commune's the pair belongs to that commune's chain: elsewhere stores it
// there (in one transaction) and returns true, and this client's stored
// pair is not touched. When elsewhere returns false, or Zalo does not say
// which OA it is (Exchanged.OAErr), the pair is stored as this client's,
// as ExchangeCode does. An error from elsewhere is returned, the pair
// stored nowhere.
func (c *Client) ExchangeCodeFor(ctx context.Context, code, verifier string,
	elsewhere func(ctx context.Context, oa OAInfo, p Pair) (bool, error)) (Exchanged, error) {
	var done Exchanged
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	unlock, err := c.lockRefresh(ctx)
	if err != nil {
		return done, err
	}
	defer unlock()
	pair, err := c.requestToken(ctx, "exchange zalo authorization code", map[string]string{
		"code":          code,
		"app_id":        c.cfg.AppID,
		"grant_type":    "authorization_code",
		"code_verifier": verifier,
	})
	if err != nil {
		return done, err
	}
	done.OA, done.OAErr = c.oaInfoWith(ctx, pair.access)
	if done.OAErr == nil && elsewhere != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
		stored, err := elsewhere(sctx, done.OA, Pair{Access: pair.access, Refresh: pair.refresh, AccessExpiresAt: pair.expiresAt})
		cancel()
		if err != nil {
			return done, fmt.Errorf("store the zalo tokens of oa %s: %w: %v", done.OA.ID, ErrTokensUnsaved, err)
		}
		if stored {
			done.Elsewhere = true
			c.log.Warn().Str("oa_id", done.OA.ID).
				Msg("the authorization code was for an OA recorded as another commune's; its new pair was stored as that commune's")
			return done, nil
		}
	}
	c.mu.Lock()
	c.tok.gen++
	c.tok.lastRefreshErr = nil
	c.tok.pending = &pair
	c.mu.Unlock()
	return done, c.savePendingLocked(ctx)
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
// pair. Client.Timeout still bounds it. A transport error says whether the
// request was written whole (TransportError.MaybeDelivered): one that was
// not cannot have spent the refresh token.
func (c *Client) requestToken(ctx context.Context, op string, form map[string]string) (tokenPair, error) {
	if err := c.appLimiter().wait(ctx); err != nil {
		// Stopped before anything left: a TransportError that says so,
		// so that the refresh mark is cleared.
		return tokenPair{}, &TransportError{Op: op + ": wait for the rate limit", Err: err}
	}
	var wrote atomic.Bool
	tctx := httptrace.WithClientTrace(context.WithoutCancel(ctx), &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	start := time.Now()
	req := c.http.R().SetContext(tctx).SetFormData(form)
	req.Header[headerSecretKey] = []string{c.cfg.AppSecret} // the documented spelling, not Go's Secret_key
	resp, err := req.Post(c.cfg.OAuthBase + "/v4/oa/access_token")
	if err != nil {
		te := newTransportError(op, false, err)
		te.MaybeDelivered = wrote.Load()
		return tokenPair{}, te
	}
	status, body := resp.StatusCode(), resp.Body()
	c.log.Debug().Str("op", op).Int("http_status", status).Int64("took_ms", time.Since(start).Milliseconds()).
		Msg("zalo token call")

	var ans tokenAnswer
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&ans); err != nil {
		if status >= 500 {
			return tokenPair{}, fmt.Errorf("%s: %w", op, newAPIError(0, http.StatusText(status), status))
		}
		// An HTML or empty page: a proxy, a firewall or a captive portal
		// answered, not Zalo.
		return tokenPair{}, &notZaloAnswer{op: op, status: status, contentType: resp.Header().Get("Content-Type"), size: len(body)}
	}
	if ans.Error == 0 && ans.AccessToken == "" && status >= 400 && status < 500 && status != http.StatusTooManyRequests {
		// JSON, but no Zalo error code: a gateway's own error, not Zalo's
		// verdict on the refresh token.
		return tokenPair{}, &notZaloAnswer{op: op, status: status, contentType: resp.Header().Get("Content-Type"), size: len(body)}
	}
	if ans.Error != 0 || ans.AccessToken == "" {
		msg := firstNonEmpty(string(ans.ErrorReason), string(ans.ErrorDescription), string(ans.ErrorName), string(ans.Message))
		if ans.Error == 0 && status < 400 {
			msg = firstNonEmpty(msg, "answer has no access_token")
		}
		ae := newAPIError(int(ans.Error), msg, status)
		if ae.RateLimited() {
			c.appLimiter().backOff() // the token endpoint is the app's, never an OA's
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

// notZaloAnswer is a token-endpoint answer without Zalo's error body.
type notZaloAnswer struct {
	op          string
	status      int
	contentType string
	size        int
}

func (e *notZaloAnswer) Error() string {
	ct := e.contentType
	if ct == "" {
		ct = "no content type"
	}
	return fmt.Sprintf("%s: HTTP %d with %d bytes (%s) and no Zalo error: the answer is not Zalo's "+
		"(a proxy or firewall in the way?); the refresh token is not proven spent and is kept", e.op, e.status, e.size, ct)
}

func (e *notZaloAnswer) Is(target error) bool { return target == ErrNotZaloAnswer }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
