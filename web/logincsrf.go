package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// The sign-in form has no session to keep its CSRF token in, so the token
// travels twice, in the form and in a cookie (double submit). On its own
// that lets a site that can plant a cookie (a sibling subdomain, a
// man-in-the-middle on plain http) choose both halves, and sign a victim's
// browser in as the attacker (login CSRF). So:
//   - the token is one this server issued: a random nonce and its HMAC
//     under a key made at start-up (a restart only asks for a reload);
//   - over TLS the cookie is "__Host-loaxa_login": browsers accept it only
//     Secure, from this very host, for Path=/ and with no Domain, so no
//     other host can plant or overwrite it;
//   - a post that the browser says came from another site (Sec-Fetch-Site
//     cross-site or same-site) is refused.

// newLoginKey is the key sign-in tokens are signed with.
func newLoginKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("web: crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	return k
}

// loginCookieName is the sign-in cookie's name: __Host- prefixed over TLS.
func (s *Server) loginCookieName(r *http.Request) string {
	if s.isTLS(r) {
		return "__Host-" + loginCookie
	}
	return loginCookie
}

// issueLoginToken returns a new sign-in token: nonce "." HMAC(nonce).
func (s *Server) issueLoginToken() string {
	nonce := notices.RandomToken()
	return nonce + "." + s.loginMAC(nonce)
}

func (s *Server) loginMAC(nonce string) string {
	m := hmac.New(sha256.New, s.loginKey)
	m.Write([]byte("loaxa sign-in form\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validLoginToken reports whether the request's sign-in form token matches
// its sign-in cookie, was issued by this server, and the post did not come
// from another site.
func (s *Server) validLoginToken(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return false
	}
	c, err := r.Cookie(s.loginCookieName(r))
	if err != nil || !sameToken(r.PostFormValue("csrf_token"), c.Value) {
		return false
	}
	nonce, mac, ok := strings.Cut(c.Value, ".")
	return ok && nonce != "" && hmac.Equal([]byte(mac), []byte(s.loginMAC(nonce)))
}
