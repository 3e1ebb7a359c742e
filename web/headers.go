package web

import (
	"net/http"
	"strings"
)

// Request body limits. A notice's body may be 20,000 Vietnamese characters,
// which URL-encode to about 180 kB, so the compose form gets the upload
// limit; every other form is small.
const (
	formLimit   = 256 << 10
	uploadLimit = 4 << 20 // a 1 MB image, one kept from a refused form (base64), and the rest
)

// csp is the Content-Security-Policy of every page: scripts and styles
// only from our own static files (no inline script), images from us, forms
// posted only to us, and never in a frame.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// secure sets the security headers of every response and turns a panic in
// a handler into a 500 page.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.isTLS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		switch {
		case strings.HasPrefix(r.URL.Path, "/static/"): // cacheStatic sets its own
		case publicPath(r.URL.Path):
			// The public archive and feed: anyone may keep them a minute,
			// so a proxy cache can absorb a crowd after an urgent notice.
			h.Set("Cache-Control", publicCache)
		default:
			h.Set("Cache-Control", "no-store") // staff pages, sign-in, /healthz, /metrics
			// What they show depends on the session (or the sign-in
			// form's cookie): a cache that ignores no-store must at
			// least not hand one person's page to another.
			h.Add("Vary", "Cookie")
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error().Interface("panic", v).Str("path", r.URL.Path).Msg("handler panicked")
				s.errorPage(w, r, http.StatusInternalServerError, "")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// publicCache is the Cache-Control of the public pages and the feed.
const publicCache = "public, max-age=60"

// publicPath reports whether path is one of the public archive's.
func publicPath(path string) bool { return path == "/public" || strings.HasPrefix(path, "/public/") }

// ops serves /healthz or /metrics behind the site's headers; with a
// token, only to a request that carries it as a bearer token.
func (s *Server) ops(h http.Handler, token string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || !sameToken(strings.TrimSpace(got), token) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="loaxa metrics"`)
				http.Error(w, "Cần mã truy cập (LOAXA_METRICS_TOKEN) trong tiêu đề Authorization: Bearer …", http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, r)
	}
}

// allowFormAction widens the page's form-action to origin, for a form
// whose answer redirects there (the Zalo authorisation page): browsers
// apply form-action to redirects too.
func allowFormAction(w http.ResponseWriter, origin string) {
	if origin == "" {
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+origin, 1))
}

// limit caps the request body at n bytes.
func (s *Server) limit(n int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h(w, r)
	}
}

// cacheStatic lets browsers keep the stylesheet and script for an hour.
func (s *Server) cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// notFound answers every path no route claims.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "")
}
