package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/web"
)

// TestLoginCSRFNeedsServerIssuedToken: the sign-in form's double-submit
// token must be one the server issued (signed), in a cookie no other site
// can plant (__Host- over TLS), and the post must not come from another
// site: otherwise a planted cookie signs a victim in as the attacker.
func TestLoginCSRFNeedsServerIssuedToken(t *testing.T) {
	signIn := func(b *browser, cookie, value, token string, hdr map[string]string) *http.Response {
		form := url.Values{"username": {"bien"}, "password": {password}, "csrf_token": {token}}
		req, _ := http.NewRequest(http.MethodPost, b.site.srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: cookie, Value: value})
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		c := &http.Client{Transport: b.site.srv.Client().Transport, // no jar: only the cookie given
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(resp)
		return resp
	}

	t.Run("plain http", func(t *testing.T) {
		s := newSite(t)
		b := s.browser()
		// A value the attacker made up, planted in the victim's browser.
		if resp := signIn(b, "loaxa_login", "planted-by-attacker", "planted-by-attacker", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-in with a planted, self-made token = %d; want 403", resp.StatusCode)
		}
		// A real one, posted from another site.
		b.get("/login")
		tok := b.cookie("loaxa_login")
		for _, site := range []string{"cross-site", "same-site"} {
			if resp := signIn(b, "loaxa_login", tok, b.csrf, map[string]string{"Sec-Fetch-Site": site}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("sign-in posted %s = %d; want 403", site, resp.StatusCode)
			}
		}
		if resp := signIn(b, "loaxa_login", tok, b.csrf, map[string]string{"Sec-Fetch-Site": "same-origin"}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("sign-in from the form itself = %d; want 303", resp.StatusCode)
		}
	})

	t.Run("https", func(t *testing.T) {
		s := newSite(t, func(c *web.Config) { c.BaseURL = "https://loa.xaanphu.gov.vn" })
		b := s.browser()
		resp, _ := b.get("/login")
		var got *http.Cookie
		for _, c := range resp.Cookies() {
			if strings.HasSuffix(c.Name, "loaxa_login") {
				got = c
			}
		}
		if got == nil || got.Name != "__Host-loaxa_login" || !got.Secure || got.Path != "/" || got.Domain != "" {
			t.Fatalf("sign-in cookie over https = %+v; want __Host-loaxa_login, Secure, Path=/, no Domain", got)
		}
		// A sibling site can plant a cookie without the prefix, even with
		// a token the server issued to the attacker: it is not read.
		attacker := s.browser()
		attacker.get("/login")
		tok := attacker.cookie("__Host-loaxa_login")
		if tok == "" {
			t.Fatal("the attacker got no token")
		}
		if resp := signIn(b, "loaxa_login", tok, attacker.csrf, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-in with a planted unprefixed cookie = %d; want 403", resp.StatusCode)
		}
		if resp := signIn(b, "__Host-loaxa_login", got.Value, b.csrf, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("sign-in with the browser's own cookie = %d; want 303", resp.StatusCode)
		}
	})
}
