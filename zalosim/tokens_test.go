package zalosim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRefreshRotation(t *testing.T) {
	ts := NewTestServer(t)
	spent := []string{}
	rt := ts.RefreshToken
	for i := range 40 {
		r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, rt))
		at := mustAccess(t, r)
		next := r.body["refresh_token"].(string)
		if next == rt {
			t.Fatalf("refresh %d returned the same refresh token", i)
		}
		if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(g1, "x"))); got != 0 {
			t.Fatalf("send with access token from refresh %d: error = %d; want 0", i, got)
		}
		spent = append(spent, rt)
		rt = next
		// Every earlier refresh token is refused, not only the last one.
		old := spent[(i*7)%len(spent)]
		if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, old)); r.body["access_token"] != nil || errCode(t, r) != CodeOAuthInvalidRefresh {
			t.Fatalf("spent token %d: %s; want error %d", i, r.raw, CodeOAuthInvalidRefresh)
		}
	}
	if got := ts.Credentials().RefreshToken; got != rt {
		t.Errorf("Credentials().RefreshToken = %q; want the newest %q", got, rt)
	}
	if got := ts.Stats().Refreshes; got != 40 {
		t.Errorf("Stats().Refreshes = %d; want 40", got)
	}
}

func TestAccessTokenTTL(t *testing.T) {
	c := newClock()
	ts := NewTestServer(t, WithClock(c.Now), WithTokenTTL(time.Hour))
	r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
	if got := r.body["expires_in"]; got != "3600" {
		t.Errorf("expires_in = %#v; want string \"3600\"", got)
	}
	at := mustAccess(t, r)
	c.Add(59 * time.Minute)
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(g1, "x"))); got != 0 {
		t.Fatalf("send before expiry: error = %d; want 0", got)
	}
	c.Add(time.Minute)
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(g1, "x"))); got != CodeExpiredToken {
		t.Fatalf("send at expiry: error = %d; want %d", got, CodeExpiredToken)
	}
	r = postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, r.body["refresh_token"].(string)))
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, mustAccess(t, r), textBody(g1, "x"))); got != 0 {
		t.Fatalf("send after refresh: error = %d; want 0", got)
	}
}

func TestExpireAccessTokens(t *testing.T) {
	ts := NewTestServer(t)
	ts.ExpireAccessTokens()
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "x"))); got != CodeExpiredToken {
		t.Fatalf("error = %d; want %d", got, CodeExpiredToken)
	}
	// The refresh token is unaffected: the client recovers with one refresh.
	r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, mustAccess(t, r), textBody(g1, "x"))); got != 0 {
		t.Fatalf("after refresh: error = %d; want 0", got)
	}
}

func TestRefreshTokenExpiresAndRevokes(t *testing.T) {
	c := newClock()
	ts := NewTestServer(t, WithClock(c.Now), WithConfig(func(cfg *Config) { cfg.RefreshTTL = 48 * time.Hour }))
	c.Add(48 * time.Hour)
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken)); errCode(t, r) != CodeOAuthInvalidRefresh {
		t.Fatalf("expired refresh token: %s", r.raw)
	}

	ts2 := NewTestServer(t)
	ts2.RevokeRefreshToken()
	if r := postForm(t, ts2.URL, ts2.AppSecret, refreshForm(ts2.AppID, ts2.RefreshToken)); errCode(t, r) != CodeOAuthInvalidRefresh {
		t.Fatalf("revoked refresh token: %s", r.raw)
	}
}

func TestExpiresInNumber(t *testing.T) {
	ts := NewTestServer(t, WithConfig(func(c *Config) { c.ExpiresInNumber = true }))
	r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
	if got, ok := r.body["expires_in"].(json.Number); !ok || got.String() != "90000" {
		t.Fatalf("expires_in = %#v; want number 90000", r.body["expires_in"])
	}
}

func TestTokenEndpointWantsForm(t *testing.T) {
	ts := NewTestServer(t)
	body := `{"refresh_token":"` + ts.RefreshToken + `","app_id":"` + ts.AppID + `","grant_type":"refresh_token"}`
	req := newRequest(t, "POST", ts.URL+PathAccessToken, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("secret_key", ts.AppSecret)
	if r := doRaw(t, req); r.body["access_token"] != nil || errCode(t, r) >= 0 {
		t.Fatalf("JSON body: %s; want an OAuth error", r.raw)
	}
	// The refused call did not spend the refresh token.
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken)); r.body["access_token"] == nil {
		t.Fatalf("refresh after refused call: %s", r.raw)
	}
}

func TestPKCEFlow(t *testing.T) {
	c := newClock()
	callback := "https://xa.example.vn/zalo/callback"
	ts := NewTestServer(t, WithClock(c.Now), WithConfig(func(cfg *Config) { cfg.CallbackURL = callback }))
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"app_id": {ts.AppID}, "redirect_uri": {callback}, "code_challenge": {challenge}, "state": {"s1"}}

	// The page the OA admin sees.
	resp, err := noRedirect.Get(ts.URL + PathPermission + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, s := range []string{"Cho phép ứng dụng", "truy cập OA", `<button`, `name="viewport"`, `value="s1"`} {
		if !strings.Contains(string(page), s) {
			t.Errorf("permission page lacks %q", s)
		}
	}
	// Pressing the button posts the form back and redirects with the code.
	resp, err = noRedirect.PostForm(ts.URL+PathPermission, q)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), callback+"?") {
		t.Fatalf("grant: %d %s; want 302 to %s", resp.StatusCode, loc, callback)
	}
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("oa_id") != ts.OAID || loc.Query().Get("state") != "s1" {
		t.Fatalf("callback query %q lacks code, oa_id or state", loc.RawQuery)
	}
	exchange := func(code, v string) reply {
		return postForm(t, ts.URL, ts.AppSecret, url.Values{"code": {code}, "app_id": {ts.AppID},
			"grant_type": {"authorization_code"}, "code_verifier": {v}})
	}
	if r := exchange(code, "wrong-verifier-wrong-verifier-wrong-verifie"); errCode(t, r) != CodeOAuthInvalidVerifier {
		t.Fatalf("wrong verifier: %s", r.raw)
	}
	r := exchange(code, verifier)
	at := mustAccess(t, r)
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(g1, "x"))); got != 0 {
		t.Fatalf("send with exchanged token: error = %d", got)
	}
	if r := exchange(code, verifier); errCode(t, r) != CodeOAuthInvalidCode {
		t.Fatalf("reused code: %s; want %d", r.raw, CodeOAuthInvalidCode)
	}
	// The exchange rotated the chain: the initial refresh token is spent.
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken)); r.body["access_token"] != nil {
		t.Fatalf("old refresh token still works after a new authorisation")
	}
	// Codes live 10 minutes.
	code = authorizeTo(t, ts, callback)
	c.Add(CodeTTL)
	if r := exchange(code, verifier); errCode(t, r) != CodeOAuthInvalidCode {
		t.Fatalf("expired code: %s", r.raw)
	}
	// A redirect_uri other than the callback URL is refused with -14003.
	bad := url.Values{"app_id": {ts.AppID}, "redirect_uri": {"https://evil.example/cb"}, "code_challenge": {challenge}, "auto": {"1"}}
	resp, err = noRedirect.Get(ts.URL + PathPermission + "?" + bad.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "-14003") {
		t.Errorf("bad redirect: %d %s; want 400 with -14003", resp.StatusCode, page)
	}
}

func authorizeTo(t *testing.T, ts *TestServer, callback string) string {
	t.Helper()
	q := url.Values{"app_id": {ts.AppID}, "redirect_uri": {callback}, "code_challenge": {challenge}, "auto": {"1"}}
	req := newRequest(t, "GET", ts.URL+PathPermission+"?"+q.Encode(), nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return loc.Query().Get("code")
}
