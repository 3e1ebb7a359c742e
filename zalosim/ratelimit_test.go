package zalosim

import (
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	c := newClock()
	ts := NewTestServer(t, WithClock(c.Now), WithRatePerMin(3))
	send := func() reply { return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "x")) }
	steps := []struct {
		advance    time.Duration
		call       func() reply
		wantCode   int
		wantRemain string
	}{
		{0, send, 0, "2"},
		{10 * time.Second, func() reply { return getAPI(t, ts.URL, PathGroupsOfOA, ts.AccessToken) }, 0, "1"},
		{10 * time.Second, func() reply {
			return postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
		}, 0, "0"}, // the token endpoint counts too; 0 here means no error field
		{0, send, CodeRateLimited, "0"},
		{39 * time.Second, send, CodeRateLimited, "0"}, // 59 s after the first call
		{1 * time.Second, send, 0, "0"},                // the first call left the window
		{0, send, CodeRateLimited, "0"},
	}
	for i, s := range steps {
		c.Add(s.advance)
		r := s.call()
		code := 0
		if _, has := r.body["error"]; has {
			code = errCode(t, r)
		}
		if code != s.wantCode {
			t.Fatalf("step %d: error = %d; want %d (%s)", i, code, s.wantCode, r.raw)
		}
		if code == CodeRateLimited && r.body["message"] != "application/OA reached limit call api" {
			t.Errorf("step %d: message = %v", i, r.body["message"])
		}
		if got := r.header.Get("X-RateLimit-Limit"); got != "3" {
			t.Errorf("step %d: X-RateLimit-Limit = %q; want 3", i, got)
		}
		if got := r.header.Get("X-RateLimit-Remain"); got != s.wantRemain {
			t.Errorf("step %d: X-RateLimit-Remain = %q; want %s", i, got, s.wantRemain)
		}
	}
	if got := ts.Stats().RateLimited; got != 3 {
		t.Errorf("Stats().RateLimited = %d; want 3", got)
	}
	if got := len(ts.Messages(g1)); got != 2 {
		t.Errorf("messages recorded = %d; want 2 (refused sends are not delivered)", got)
	}
	ts.SetRatePerMin(0)
	if got := errCode(t, send()); got != 0 {
		t.Errorf("after SetRatePerMin(0): error = %d; want 0", got)
	}
}

func TestRateLimitRefusedTokenEndpointShape(t *testing.T) {
	ts := NewTestServer(t, WithRatePerMin(1))
	getAPI(t, ts.URL, PathGroupsOfOA, ts.AccessToken)
	r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
	if errCode(t, r) != CodeRateLimited || r.body["access_token"] != nil || r.body["error_name"] == nil {
		t.Fatalf("rate-limited refresh: %s; want the OAuth failure shape with -32", r.raw)
	}
}
