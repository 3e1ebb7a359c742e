package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestPublicErrorsCarryNoSession: a signed-in admin's 404 (and other
// errors) under /public shows the residents' layout, nothing of the
// session, and is never kept by a shared cache.
func TestPublicErrorsCarryNoSession(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("quantri")
	csrf := b.csrf
	if csrf == "" {
		t.Fatal("no session CSRF token")
	}
	for _, path := range []string{"/public/notices/424242", "/public/notices/abc", "/public/notices/424242/image", "/public/khong-co"} {
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", path, resp.StatusCode)
		}
		if strings.Contains(body, csrf) || strings.Contains(body, "quantri") || strings.Contains(body, "Đăng xuất") ||
			strings.Contains(body, "/dashboard") {
			t.Errorf("GET %s (signed in): the page shows the staff header or session data:\n%s", path, body)
		}
		cc := resp.Header.Get("Cache-Control")
		if strings.Contains(cc, "public") || !strings.Contains(cc, "no-store") {
			t.Errorf("GET %s: Cache-Control %q; want no-store", path, cc)
		}
		if !strings.Contains(body, `href="/public"`) {
			t.Errorf("GET %s: no link back to the public archive", path)
		}
	}
	// Staff pages, whose content depends on the session, say so to caches.
	for _, path := range []string{"/dashboard", "/login", "/khong-co"} {
		resp, _ := b.get(path)
		if !strings.Contains(resp.Header.Get("Vary"), "Cookie") {
			t.Errorf("GET %s: Vary %q; want Cookie", path, resp.Header.Get("Vary"))
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q; want no-store", path, cc)
		}
	}
}
