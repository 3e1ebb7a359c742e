package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/loaxa/loaxa/web"
)

// TestShortSessionIdleKeepsActiveUser: with LOAXA_SESSION_IDLE=1m, a user
// who clicks every 20 seconds stays signed in; one away for a minute is
// signed out.
func TestShortSessionIdleKeepsActiveUser(t *testing.T) {
	s := newSite(t, func(c *web.Config) { c.SessionIdle = time.Minute })
	b := s.signedIn("bien")
	for i := range 12 { // 4 minutes of use
		s.clock.Add(20 * time.Second)
		if resp, _ := b.get("/dashboard"); resp.StatusCode != http.StatusOK {
			t.Fatalf("use %d, 20 s after the last = %d; want 200 (still signed in)", i+1, resp.StatusCode)
		}
	}
	s.clock.Add(time.Minute)
	if resp, _ := b.get("/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after a minute unused = %d; want 303 to /login", resp.StatusCode)
	}
}
