package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/rs/zerolog"
)

// TestSecretsNeverLogged captures everything the client logs, at the most
// verbose level, across a code exchange, sends, refreshes and failures, and
// also logs every error it returns as a caller would. No secret may appear.
func TestSecretsNeverLogged(t *testing.T) {
	f := newFake(t)
	secrets := []string{testAppSecret}
	n := 0
	f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.PostForm.Get("grant_type") == "refresh_token" && r.PostForm.Get("refresh_token") != f.refresh {
			writeJSON(w, map[string]any{"error": -14014, "error_reason": "Invalid refresh token"})
			return true
		}
		n++
		at, rt := fmt.Sprintf("AT-SECRET-%d-xyzzy", n), fmt.Sprintf("RT-SECRET-%d-plugh", n)
		secrets = append(secrets, at, rt)
		f.valid[at] = true
		f.refresh = rt
		writeJSON(w, map[string]any{"access_token": at, "refresh_token": rt, "expires_in": "90000"})
		return true
	}
	fail := 0
	f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
		fail++
		switch fail % 4 {
		case 0:
			w.WriteHeader(http.StatusInternalServerError)
		case 1:
			writeJSON(w, map[string]any{"error": -403, "message": "OA is not in group"})
		default:
			ok(w, map[string]any{"message_id": "m"})
		}
	})

	var logs logBuffer
	log := zerolog.New(&logs).Level(zerolog.TraceLevel)
	store := &memStore{}
	cfg := bot.Config{APIBase: f.srv.URL, OAuthBase: f.srv.URL, AppID: testAppID, AppSecret: testAppSecret, RatePerMin: -1}
	c := bot.NewClient(cfg, store, log)
	ctx := context.Background()
	report := func(err error) {
		if err != nil {
			log.Error().Err(err).Str("reason", bot.Reason(err)).Msg("caller saw an error")
		}
	}

	report(c.Reload(ctx)) // nothing stored yet
	verifier, challenge := bot.NewPKCE()
	secrets = append(secrets, verifier, "good-code")
	_ = c.AuthURL("http://localhost/cb", challenge, "state")
	report(c.ExchangeCode(ctx, "good-code", verifier))
	for i := range 8 {
		_, err := c.SendGroupText(ctx, "g1", "tin "+fmt.Sprint(i))
		report(err)
		if i%3 == 0 {
			f.expireAll() // forced refreshes
		}
	}
	// A proactive refresh.
	a, r, _ := store.get()
	store.set(a, r, time.Now().Add(time.Minute))
	report(c.Reload(ctx))
	_, err := c.SendGroupText(ctx, "g1", "x")
	report(err)
	// A refused refresh: disconnected, then failing fast.
	f.mu.Lock()
	f.refresh = "someone-else"
	f.mu.Unlock()
	f.expireAll()
	for range 3 {
		_, err := c.SendGroupText(ctx, "g1", "y")
		report(err)
	}
	h := c.Health()
	if h.Connected {
		t.Fatalf("Health() = %+v; want disconnected at the end of the scenario", h)
	}
	out := logs.String() + "\n" + h.LastError
	if !strings.Contains(out, "zalo tokens rotated and stored") || !strings.Contains(out, "refused the refresh token") {
		t.Fatalf("the scenario did not log refreshes and the refusal:\n%s", out)
	}
	if len(secrets) < 10 {
		t.Fatalf("only %d secrets issued; the scenario did not rotate enough", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("secret %q appears in the logs", s)
		}
	}
}
