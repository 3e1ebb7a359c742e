package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/loaxa/loaxa/web"
)

const (
	oaSecret  = "oa-secret-key-123"
	appSecret = "app-secret-456"
)

// postEvent posts body to /zalo/webhook with the given signature header
// ("" for none) and returns the status.
func (s *site) postEvent(body, sig string) int {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/zalo/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ZaloWebhook")
	if sig != "" {
		req.Header.Set("X-ZEvent-Signature", sig)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (s *site) storedEvents() int {
	s.t.Helper()
	evs, err := s.store.PendingWebhookEvents(context.Background(), 1000)
	if err != nil {
		s.t.Fatal(err)
	}
	return len(evs)
}

const joinBody = `{"app_id":"3105","oa_id":"77","event_name":"user_join_group","timestamp":"1787209817225",` +
	`"sender":{"id":"u1"},"recipient":{"id":"g1"}}`

func mac(first, body, key string) string {
	return "mac=" + web.WebhookMAC(first, []byte(body), "1787209817225", key)
}

func hmacOf(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func TestWebhookSignatureVariants(t *testing.T) {
	for _, tc := range []struct {
		name, sig string
		want      int
	}{
		{"documented: app_id + OA secret", mac("3105", joinBody, oaSecret), http.StatusOK},
		{"oa_id + OA secret", mac("77", joinBody, oaSecret), http.StatusOK},
		{"app_id + app secret", mac("3105", joinBody, appSecret), http.StatusOK},
		{"upper-case hex", "mac=" + strings.ToUpper(mac("3105", joinBody, oaSecret)[4:]), http.StatusOK},
		{"no mac= prefix", mac("3105", joinBody, oaSecret)[4:], http.StatusUnauthorized},
		{"missing", "", http.StatusUnauthorized},
		{"wrong key", mac("3105", joinBody, "guess"), http.StatusUnauthorized},
		{"HMAC-SHA256 is not it", "mac=" + hmacOf(oaSecret, "3105"+joinBody+"1787209817225"), http.StatusUnauthorized},
		{"not hex", "mac=zz", http.StatusUnauthorized},
		{"signed over other bytes", mac("3105", joinBody+" ", oaSecret), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var woken atomic.Int32
			s := newSite(t, func(c *web.Config) {
				c.WebhookSecret, c.WebhookAppSecret = oaSecret, appSecret
				c.WebhookStored = func() { woken.Add(1) }
			})
			if got := s.postEvent(joinBody, tc.sig); got != tc.want {
				t.Fatalf("POST /zalo/webhook = %d; want %d", got, tc.want)
			}
			want := 0
			if tc.want == http.StatusOK {
				want = 1
			}
			if n := s.storedEvents(); n != want || int(woken.Load()) != want {
				t.Errorf("stored %d events, woke the processor %d times; want %d", n, woken.Load(), want)
			}
		})
	}
}

func TestWebhookReplayStoredOnce(t *testing.T) {
	var woken atomic.Int32
	s := newSite(t, func(c *web.Config) {
		c.WebhookSecret = oaSecret
		c.WebhookStored = func() { woken.Add(1) }
	})
	sig := mac("3105", joinBody, oaSecret)
	for i := range 3 {
		if got := s.postEvent(joinBody, sig); got != http.StatusOK {
			t.Fatalf("POST #%d = %d; want 200 (a replay is answered like the first)", i+1, got)
		}
	}
	if n := s.storedEvents(); n != 1 || woken.Load() != 1 {
		t.Errorf("stored %d events, woke %d times; want 1 and 1", n, woken.Load())
	}
	// The app secret alone is not accepted when it is not configured.
	if got := s.postEvent(strings.Replace(joinBody, "u1", "u2", 1), mac("3105", strings.Replace(joinBody, "u1", "u2", 1), appSecret)); got != http.StatusUnauthorized {
		t.Errorf("app-secret signature without WebhookAppSecret = %d; want 401", got)
	}
}

func TestWebhookUnconfiguredAndLimits(t *testing.T) {
	s := newSite(t)
	if got := s.postEvent(joinBody, mac("3105", joinBody, "")); got != http.StatusServiceUnavailable {
		t.Errorf("without ZALO_OA_SECRET = %d; want 503", got)
	}
	if n := s.storedEvents(); n != 0 {
		t.Errorf("without ZALO_OA_SECRET %d events stored; want 0", n)
	}
	s = newSite(t, func(c *web.Config) { c.WebhookSecret = oaSecret })
	big := `{"event_name":"x","pad":"` + strings.Repeat("a", 70<<10) + `"}`
	if got := s.postEvent(big, mac("", big, oaSecret)); got != http.StatusRequestEntityTooLarge {
		t.Errorf("70 kB body = %d; want 413", got)
	}
	if got := s.postEvent(`not json`, "mac="+strings.Repeat("0", 64)); got != http.StatusBadRequest {
		t.Errorf("non-JSON body = %d; want 400", got)
	}
	// No session, no CSRF token, and still not a staff route: GET is not served.
	resp, err := s.srv.Client().Get(s.srv.URL + "/zalo/webhook")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("GET /zalo/webhook = 200; want it refused")
	}
	if n := s.storedEvents(); n != 0 {
		t.Errorf("%d events stored from refused requests; want 0", n)
	}
}
