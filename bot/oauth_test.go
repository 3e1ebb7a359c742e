package bot_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/bot"
)

func TestNewPKCE(t *testing.T) {
	v1, c1 := bot.NewPKCE()
	v2, _ := bot.NewPKCE()
	if len(v1) != 43 || strings.ContainsAny(v1, "+/=") {
		t.Errorf("verifier %q: want 43 base64url characters without padding", v1)
	}
	sum := sha256.Sum256([]byte(v1))
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); c1 != want {
		t.Errorf("challenge = %q; want %q", c1, want)
	}
	if v1 == v2 {
		t.Errorf("two verifiers are equal")
	}
}

func TestAuthURL(t *testing.T) {
	c := bot.NewClient(bot.Config{APIBase: "https://openapi.zalo.me", OAuthBase: "https://oauth.zaloapp.com/", AppID: "123"},
		&memStore{}, testLogger(t))
	got := c.AuthURL("https://xa.example.vn/zalo/callback?x=1", "CHALLENGE-_", "st ate")
	want := "https://oauth.zaloapp.com/v4/oa/permission?app_id=123&redirect_uri=https%3A%2F%2Fxa.example.vn%2Fzalo%2Fcallback%3Fx%3D1" +
		"&code_challenge=CHALLENGE-_&state=st+ate"
	if got != want {
		t.Errorf("AuthURL = %s\nwant       %s", got, want)
	}
	u, err := url.Parse(got)
	if err != nil || u.Query().Get("redirect_uri") != "https://xa.example.vn/zalo/callback?x=1" || u.Query().Get("state") != "st ate" {
		t.Errorf("AuthURL does not round-trip: %v %v", u, err)
	}
}
