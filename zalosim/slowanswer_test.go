package zalosim

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSlowAnswerRotatesAtOnce: with FaultSlowAnswer on the token endpoint,
// the pair is rotated when the request arrives, and the answer comes later:
// a client that gives up (or is killed) meanwhile holds a spent refresh
// token.
func TestSlowAnswerRotatesAtOnce(t *testing.T) {
	ts := NewTestServer(t)
	ts.FailNext(1, FaultSlowAnswer.Taking(time.Second).On(PathAccessToken))
	form := url.Values{"refresh_token": {ts.RefreshToken}, "app_id": {ts.AppID}, "grant_type": {"refresh_token"}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", ts.URL+PathAccessToken, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", ts.AppSecret)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("want the client to give up before the answer")
	}
	if got := ts.Stats().Refreshes; got != 1 {
		t.Errorf("Stats().Refreshes = %d; want 1 (rotated before answering)", got)
	}
	if c := ts.Credentials(); c.RefreshToken == ts.RefreshToken {
		t.Error("the refresh token did not rotate")
	}
	if got := ts.Faults().Next; len(got) != 0 {
		t.Errorf("queued faults left: %v", got)
	}
	if s := FaultSlowAnswer.Taking(time.Second).On(PathAccessToken).String(); s != "slow_answer(1s) on "+PathAccessToken {
		t.Errorf("String() = %q", s)
	}
}
