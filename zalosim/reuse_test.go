package zalosim

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A refresh token presented again after it was used is counted. By default
// it is only refused; the newest pair keeps working.
func TestReusedRefreshTokenIsCounted(t *testing.T) {
	ts := NewTestServer(t)
	r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
	at := mustAccess(t, r)
	next := r.body["refresh_token"].(string)
	if got := ts.Stats().ReusedRefresh; got != 0 {
		t.Fatalf("ReusedRefresh = %d after one refresh; want 0", got)
	}
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken)); errCode(t, r) != CodeOAuthInvalidRefresh {
		t.Fatalf("reused refresh token: %s; want %d", r.raw, CodeOAuthInvalidRefresh)
	}
	if st := ts.Stats(); st.ReusedRefresh != 1 || st.ChainRevocations != 0 {
		t.Errorf("Stats = %+v; want 1 reuse, no revocation", st)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(g1, "x"))); got != 0 {
		t.Errorf("send with the newest access token after a lenient reuse: error %d; want 0", got)
	}
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, next)); r.body["access_token"] == nil {
		t.Errorf("newest refresh token after a lenient reuse: %s", r.raw)
	}
	// A token superseded without being used (a newer grant came) is
	// refused but is no reuse.
	ts.RevokeRefreshToken()
	postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.Credentials().RefreshToken))
	if got := ts.Stats().ReusedRefresh; got != 1 {
		t.Errorf("ReusedRefresh = %d after a revoked (unused) token; want still 1", got)
	}
	// /_sim/stats shows the counters.
	stats := doRaw(t, newRequest(t, "GET", ts.URL+"/_sim/stats", nil))
	if v, _ := stats.get("reused_refresh_tokens"); fmt.Sprint(v) != "1" {
		t.Errorf("/_sim/stats reused_refresh_tokens = %v; want 1 (%s)", v, stats.raw)
	}
}

// With RevokeOnReuse a reuse revokes the whole chain: the newest refresh
// token and every access token stop working, until a code exchange.
func TestRevokeOnReuseRevokesTheChain(t *testing.T) {
	ts := NewTestServer(t, WithConfig(func(c *Config) { c.RevokeOnReuse = true }))
	r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
	at := mustAccess(t, r)
	next := r.body["refresh_token"].(string)
	postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken)) // the reuse
	if st := ts.Stats(); st.ReusedRefresh != 1 || st.ChainRevocations != 1 {
		t.Fatalf("Stats = %+v; want 1 reuse and 1 revocation", st)
	}
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, next)); errCode(t, r) != CodeOAuthInvalidRefresh {
		t.Errorf("newest refresh token after the chain was revoked: %s; want %d", r.raw, CodeOAuthInvalidRefresh)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(g1, "x"))); got != CodeInvalidToken {
		t.Errorf("send with a revoked access token: error %d; want %d", got, CodeInvalidToken)
	}
	// Presenting the revoked newest token is not a second reuse: it was
	// never used.
	if got := ts.Stats().ReusedRefresh; got != 1 {
		t.Errorf("ReusedRefresh = %d; want 1", got)
	}
	// A new authorisation works again.
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	code := ts.issueCode(pkceChallenge(verifier), "https://example.org/cb")
	form := url.Values{"code": {code}, "app_id": {ts.AppID}, "grant_type": {"authorization_code"}, "code_verifier": {verifier}}
	at2 := mustAccess(t, postForm(t, ts.URL, ts.AppSecret, form))
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at2, textBody(g1, "x"))); got != 0 {
		t.Errorf("send after a new authorisation: error %d; want 0", got)
	}
}

// Zalo's examples write the headers in lowercase (zalo-oa-api.md §12). The
// simulator reads them whatever their case, as HTTP requires: here the
// exact bytes "access_token:" and "secret_key:" go over a raw connection.
func TestLowercaseHeadersOnTheWire(t *testing.T) {
	ts := NewTestServer(t)
	raw := func(req string) string {
		t.Helper()
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(ts.URL, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		return b.String()
	}
	form := refreshForm(ts.AppID, ts.RefreshToken).Encode()
	ans := raw("POST " + PathAccessToken + " HTTP/1.1\r\nHost: zalo\r\nsecret_key: " + ts.AppSecret +
		"\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: " + fmt.Sprint(len(form)) +
		"\r\nconnection: close\r\n\r\n" + form)
	if !strings.Contains(ans, `"access_token"`) {
		t.Fatalf("refresh with a lowercase secret_key header: %s", ans)
	}
	at := ts.Credentials().AccessToken
	body := textBody(g1, "chữ thường")
	ans = raw("POST " + PathGroupMessage + " HTTP/1.1\r\nHost: zalo\r\naccess_token: " + at +
		"\r\ncontent-type: application/json\r\ncontent-length: " + fmt.Sprint(len(body)) +
		"\r\nconnection: close\r\n\r\n" + body)
	if !strings.Contains(ans, `"error":0`) {
		t.Fatalf("send with a lowercase access_token header: %s", ans)
	}
}
