package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// TestSecretsNeverInLogsOrPages runs serve through a refresh, sends, a
// refused refresh and a sign-in, then looks for the app secret and every
// token Zalo issued in the daemon's log and in the pages it serves. It
// also checks the request size limit, the server's timeouts and the
// database file's mode.
func TestSecretsNeverInLogsOrPages(t *testing.T) {
	sim := zalosimtest.New(t, zalosim.WithTokenTTL(3*time.Second))
	c := simCLI(t, sim)
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", sim.Groups()[0].ID)
	c.ok("notice", "add", "--title", "Bí mật", "--body", "Không có bí mật nào ở đây.", "--approve")
	pw := writeFile(t, "pw", "mat-khau-rat-dai-123\n")
	c.ok("user", "add", "--name", "quantri", "--role", "admin", "--password-file", pw)
	const oaSecret = "khoa-oa-bi-mat-khong-duoc-lo"
	c.env["ZALO_OA_SECRET"] = oaSecret
	base, log, stop := c.serve()
	sim.SetWebhook(base+"/zalo/webhook", oaSecret) // echoes, checked with the secret
	if d, _ := sim.TriggerWebhook(zalosim.TriggerRequest{Event: "user_join_group", GroupID: sim.Groups()[0].ID, Forge: true}); d.Status != http.StatusUnauthorized {
		t.Errorf("forged webhook answered %d; want 401", d.Status)
	}
	waitFor(t, "the notice", func() bool { return len(sim.AllMessages()) == 1 })
	time.Sleep(3500 * time.Millisecond) // at least one more rotation
	c.ok("notice", "add", "--title", "Lần hai", "--body", "Sau khi đổi token.", "--approve")
	waitFor(t, "the second notice", func() bool { return len(sim.AllMessages()) == 2 })
	tokens := []string{sim.AppSecret, sim.RefreshToken, sim.AccessToken, oaSecret}
	cur := sim.Credentials()
	tokens = append(tokens, cur.RefreshToken, cur.AccessToken)

	var pages strings.Builder
	get := func(path string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pages.Write(b)
	}
	for _, p := range []string{"/healthz", "/metrics", "/", "/login", "/zalo"} {
		get(p)
	}
	// A failed and a good sign-in: the password must not be logged either.
	jar := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, pass := range []string{"sai-mat-khau", "mat-khau-rat-dai-123"} {
		resp, err := jar.PostForm(base+"/login", url.Values{"username": {"quantri"}, "password": {pass}})
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			pages.Write(b)
			resp.Body.Close()
		}
	}
	tokens = append(tokens, "mat-khau-rat-dai-123", "sai-mat-khau")

	// A 20 MB body is refused, not read into memory.
	big := strings.NewReader("username=x&password=" + strings.Repeat("a", 20<<20))
	resp, err := http.Post(base+"/login", "application/x-www-form-urlencoded", big)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("a 20 MB sign-in body got %d; want a 4xx", resp.StatusCode)
		}
	}
	sim.RevokeRefreshToken()
	sim.ExpireAccessTokens()
	c.ok("notice", "add", "--title", "Lần ba", "--body", "Khi token bị thu hồi.", "--approve")
	waitFor(t, "the refused refresh to show", func() bool {
		code, _, err := getHealthz(base)
		return err == nil && code == http.StatusServiceUnavailable
	})
	get("/healthz")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, s := range tokens {
		if s == "" {
			continue
		}
		if strings.Contains(log.String(), s) {
			t.Errorf("the daemon's log holds a secret (%.6s…)", s)
		}
		if strings.Contains(pages.String(), s) {
			t.Errorf("a page holds a secret (%.6s…)", s)
		}
	}
	fi, err := os.Stat(c.db)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(c.db + suffix); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode = %v; want no access for group and others", suffix, fi.Mode().Perm())
		}
	}
}
