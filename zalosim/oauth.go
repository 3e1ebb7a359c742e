package zalosim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"strconv"
	"time"
)

type refreshState struct {
	expires time.Time
	spent   bool // used, superseded by a newer grant, or revoked: refused
	used    bool // spent by a refresh: presenting it again is a reuse
	revoked bool // revoked with the whole chain after a reuse (Config.RevokeOnReuse)
}

type authCode struct {
	oa          *oaState // the OA the admin authorised
	challenge   string
	redirectURI string
	expires     time.Time
}

// Credentials are what a client needs to talk to the simulator for one OA.
// The tokens are the OA's newest pair: the only refresh token of its chain
// that still works and the access token issued with it.
type Credentials struct {
	AppID        string `json:"app_id"`
	AppSecret    string `json:"app_secret"`
	OAID         string `json:"oa_id"`
	OAName       string `json:"oa_name,omitempty"`
	RefreshToken string `json:"refresh_token"`
	AccessToken  string `json:"access_token"`
	OASecret     string `json:"oa_secret,omitempty"` // signs the OA's webhook events
}

// Credentials returns the app credentials and the current token pair of
// the default OA (the first); see OACredentials for the others.
func (s *Server) Credentials() Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credentialsLocked(s.defaultOA())
}

// ExpireAccessTokens makes every access token issued so far, to every OA,
// expired: calls carrying one answer -220 until the client refreshes.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, oa := range s.oas {
		s.expireLocked(oa)
	}
}

func (s *Server) expireLocked(oa *oaState) {
	now := s.now()
	for tok, exp := range oa.access {
		if exp.After(now) {
			oa.access[tok] = now
		}
	}
}

// RevokeRefreshToken spends the default OA's current refresh token, as when
// the OA admin removes the app: every later refresh fails until a new
// authorisation. RevokeRefreshTokenOf does it for another OA.
func (s *Server) RevokeRefreshToken() { _ = s.RevokeRefreshTokenOf(s.Credentials().OAID) }

// checkAccessToken answers -216 for a missing or unknown access_token header
// and -220 for an expired token; otherwise it returns the token's OA.
func (s *Server) checkAccessToken(r *http.Request) (*oaState, answer, bool) {
	tok := r.Header.Get("access_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	oa := s.tokenOA[tok]
	var exp time.Time
	known := false
	if oa != nil {
		exp, known = oa.access[tok]
	}
	switch {
	case tok == "" || !known:
		s.stats.TokenRefused++
		if oa != nil {
			oa.stats.TokenRefused++
		}
		return nil, apiError(CodeInvalidToken, codeMessage(CodeInvalidToken)), true
	case !s.now().Before(exp):
		s.stats.TokenRefused++
		oa.stats.TokenRefused++
		return nil, apiError(CodeExpiredToken, codeMessage(CodeExpiredToken)), true
	}
	return oa, answer{}, false
}

// handleAccessToken is POST /v4/oa/access_token: both the code exchange and
// the refresh, with the secret_key header.
func (s *Server) handleAccessToken(r *http.Request, _ *oaState) answer {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return oauthError(CodeOAuthInvalidParam, "Invalid parameter",
			"Content-Type must be application/x-www-form-urlencoded")
	}
	if err := r.ParseForm(); err != nil {
		return oauthError(CodeOAuthInvalidParam, "Invalid parameter", "body is not a valid form")
	}
	f := r.PostForm
	if f.Get("app_id") != s.cfg.AppID {
		return oauthError(CodeOAuthInvalidAppID, "Invalid appId", "app_id does not match any app")
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("secret_key")), []byte(s.cfg.AppSecret)) != 1 {
		return oauthError(CodeOAuthInvalidSecret, "Invalid secret key",
			"the secret_key header does not match the app's secret key")
	}
	switch f.Get("grant_type") {
	case "refresh_token":
		return s.grantRefresh(f.Get("refresh_token"))
	case "authorization_code":
		return s.grantCode(f.Get("code"), f.Get("code_verifier"))
	default:
		return oauthError(CodeOAuthInvalidParam, "Invalid grant_type",
			"grant_type must be refresh_token or authorization_code")
	}
}

// grantRefresh spends a refresh token of one OA's chain and issues that
// OA's next pair; the other OAs' chains are untouched.
func (s *Server) grantRefresh(rt string) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	oa := s.tokenOA[rt]
	var st refreshState
	known := false
	if oa != nil {
		st, known = oa.refresh[rt]
	}
	switch {
	case rt == "" || !known:
		return oauthError(CodeOAuthInvalidRefresh, "Invalid refresh token", "refresh token is not valid")
	case st.used:
		// A refresh token presented a second time: two clients raced, or
		// one resent a token whose answer it lost. A strict OAuth server
		// takes it for a stolen token and revokes the whole chain.
		s.stats.ReusedRefresh++
		oa.stats.ReusedRefresh++
		if s.cfg.RevokeOnReuse {
			s.revokeChainLocked(oa)
			s.log.Warn().Str("oa_id", oa.id).Msg("refresh token reused: the OA's whole token chain is revoked")
		}
		return oauthError(CodeOAuthInvalidRefresh, "Invalid refresh token", "refresh token has already been used")
	case st.revoked:
		return oauthError(CodeOAuthInvalidRefresh, "Invalid refresh token", "refresh token has been revoked")
	case st.spent:
		return oauthError(CodeOAuthInvalidRefresh, "Invalid refresh token", "refresh token is no longer valid")
	case !s.now().Before(st.expires):
		return oauthError(CodeOAuthInvalidRefresh, "Invalid refresh token", "refresh token has expired")
	}
	st.used = true
	oa.refresh[rt] = st
	s.stats.Refreshes++
	oa.stats.Refreshes++
	return s.issuePairLocked(oa)
}

// revokeChainLocked revokes every token issued to oa so far, refresh and
// access, as a strict OAuth server does when a spent refresh token comes
// back: the OA is disconnected until it is authorised again (a code
// exchange). Other OAs keep their tokens.
func (s *Server) revokeChainLocked(oa *oaState) {
	s.stats.ChainRevocations++
	oa.stats.ChainRevocations++
	for tok, st := range oa.refresh {
		st.spent, st.revoked = true, true
		oa.refresh[tok] = st
	}
	for tok := range oa.access {
		delete(s.tokenOA, tok)
	}
	clear(oa.access)
}

func (s *Server) grantCode(code, verifier string) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, known := s.codes[code]
	switch {
	case code == "" || !known:
		return oauthError(CodeOAuthInvalidCode, "Invalid code", "authorization code is not valid or was already used")
	case !s.now().Before(c.expires):
		delete(s.codes, code)
		return oauthError(CodeOAuthInvalidCode, "Invalid code", "authorization code has expired")
	case verifier == "" || subtle.ConstantTimeCompare([]byte(pkceChallenge(verifier)), []byte(c.challenge)) != 1:
		return oauthError(CodeOAuthInvalidVerifier, "Invalid code verifier", "code_verifier does not match code_challenge")
	}
	delete(s.codes, code)
	s.stats.CodeExchanges++
	c.oa.stats.CodeExchanges++
	return s.issuePairLocked(c.oa)
}

// issuePairLocked rotates oa's refresh token: the new one is the only one
// of its chain that works afterwards. Older access tokens stay valid until
// they expire.
func (s *Server) issuePairLocked(oa *oaState) answer {
	now := s.now()
	for tok, st := range oa.refresh {
		if !st.spent {
			st.spent = true
			oa.refresh[tok] = st
		}
	}
	at, rt := randomToken(48), randomToken(48)
	oa.access[at] = now.Add(s.cfg.TokenTTL)
	oa.refresh[rt] = refreshState{expires: now.Add(s.cfg.RefreshTTL)}
	s.tokenOA[at], s.tokenOA[rt] = oa, oa
	oa.curAccess, oa.curRefresh = at, rt
	secs := int64(s.cfg.TokenTTL / time.Second)
	var expiresIn any = strconv.FormatInt(secs, 10)
	if s.cfg.ExpiresInNumber {
		expiresIn = secs
	}
	return answer{http.StatusOK, tokenPair{at, rt, expiresIn}}
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    any    `json:"expires_in"`
}

// pkceChallenge is base64url_nopad(SHA256(verifier)), as in the official SDK.
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// issueCode records a single-use authorisation code for the default OA
// bound to challenge.
func (s *Server) issueCode(challenge, redirectURI string) string {
	s.mu.Lock()
	oa := s.defaultOA()
	s.mu.Unlock()
	return s.issueCodeFor(oa, challenge, redirectURI)
}

// issueCodeFor records a single-use authorisation code for oa bound to
// challenge.
func (s *Server) issueCodeFor(oa *oaState, challenge, redirectURI string) string {
	code := randomToken(48)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for c, v := range s.codes { // forget stale codes
		if !now.Before(v.expires) {
			delete(s.codes, c)
		}
	}
	s.codes[code] = authCode{oa: oa, challenge: challenge, redirectURI: redirectURI, expires: now.Add(CodeTTL)}
	return code
}
