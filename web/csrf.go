package web

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// CSRF: every state-changing request of a signed-in user carries the
// session's token (stored server-side with the session) in the csrf_token
// field, or in the X-CSRF-Token header for the script's fetches; the
// sign-in form, before any session, compares its field with a cookie
// (double submit). SameSite=Lax cookies are a second line, not the only one.

// parseForm reads a url-encoded or multipart body, holding at most limit
// bytes in memory.
func parseForm(r *http.Request, limit int64) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(limit)
	}
	return r.ParseForm()
}

// csrfFrom is the CSRF token the request carries: the form field, or the
// X-CSRF-Token header of a script's fetch.
func csrfFrom(r *http.Request) string {
	if t := r.PostFormValue("csrf_token"); t != "" {
		return t
	}
	return r.Header.Get("X-CSRF-Token")
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
