package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

func TestZaloConnectStoresTheExchangedPair(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	delete(c.env, "ZALO_REFRESH_TOKEN")
	const redirect = "https://xa.example.vn/zalo/callback"

	out := connectOA(t, c, redirect)
	if !strings.Contains(out, "Đã kết nối OA") {
		t.Errorf("zalo connect did not say it connected:\n%s", out)
	}
	if got := c.ok("zalo", "status"); !strings.Contains(got, "Kết nối tốt: OA quản lý 3 nhóm") {
		t.Errorf("zalo status after connecting = %q", got)
	}
	if sim.Stats().CodeExchanges != 1 {
		t.Errorf("code exchanges = %d; want 1", sim.Stats().CodeExchanges)
	}
}

func TestZaloConnectRefusesAForeignState(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	_, errOut, code := c.run("https://xa.example.vn/cb?code=abc&state=not-ours\n",
		"zalo", "connect", "--redirect-uri", "https://xa.example.vn/cb")
	if code != 1 || !strings.Contains(errOut, "state") {
		t.Errorf("zalo connect with another flow's callback: exit %d, %q; want 1 and a word on the state", code, errOut)
	}
	if sim.Stats().CodeExchanges != 0 {
		t.Error("a callback from another flow was exchanged")
	}
}

func TestZaloStatusSaysWhenTheRefreshTokenIsRefused(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	c.env["ZALO_REFRESH_TOKEN"] = "spent-or-wrong"
	// Store it as `serve` would on its first start.
	_, _, stop := c.serve()
	stop()
	_, errOut, code := c.run("", "zalo", "status")
	if code != 1 || !strings.Contains(errOut, "kết nối lại OA") {
		t.Errorf("zalo status with a refused refresh token: exit %d, %q; want 1 and the step to reconnect", code, errOut)
	}
}

func TestHamletSyncAddsTheOAsGroups(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	_, _, stop := c.serve() // stores the refresh token
	stop()
	c.ok("hamlet", "add", "--name", "Khóm Một", "--group-id", sim.Groups()[0].ID)
	out := c.ok("hamlet", "sync")
	if !strings.Contains(out, "3 nhóm từ Zalo: thêm 2 thôn/ấp, 1 đã có.") {
		t.Errorf("hamlet sync = %q", out)
	}
	list := c.ok("hamlet", "list")
	for _, g := range sim.Groups() {
		if !strings.Contains(list, g.ID) {
			t.Errorf("hamlet list lacks group %s after sync:\n%s", g.ID, list)
		}
	}
	if again := c.ok("hamlet", "sync"); !strings.Contains(again, "thêm 0 thôn/ấp, 3 đã có") {
		t.Errorf("a second sync = %q; want nothing added", again)
	}
}

func TestDemoSendsTheWelcomeNotice(t *testing.T) {
	db := t.TempDir() + "/demo.db"
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--db", db}, func(string) string { return "" },
			strings.NewReader(""), &out, io.Discard)
	}()
	re := regexp.MustCompile(`Nhóm Zalo như bà con thấy:\s+(http://\S+)/`)
	var simURL string
	waitFor(t, "the demo banner", func() bool {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			simURL = m[1]
		}
		return simURL != ""
	})
	for _, want := range []string{"Đăng nhập: canbo", "/healthz"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo banner lacks %q:\n%s", want, out.String())
		}
	}
	site := regexp.MustCompile(`Trang quản trị:\s+(http://\S+)/`).FindStringSubmatch(out.String())
	if site == nil {
		t.Fatalf("the demo banner gives no admin site:\n%s", out.String())
	}
	resp, err := http.Get(site[1] + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "password") {
		t.Errorf("GET %s/login = %d; want the sign-in form", site[1], resp.StatusCode)
	}
	type msg struct {
		GroupID string `json:"group_id"`
		Text    string `json:"text"`
	}
	var welcomed map[string]bool
	waitFor(t, "the welcome notice in all six groups", func() bool {
		resp, err := http.Get(simURL + "/_sim/messages")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var msgs []msg
		if json.NewDecoder(resp.Body).Decode(&msgs) != nil {
			return false
		}
		welcomed = map[string]bool{}
		for _, m := range msgs {
			if strings.Contains(m.Text, "Chào mừng bà con") {
				welcomed[m.GroupID] = true
			}
		}
		return len(welcomed) == len(demoHamlets)
	})
	// The simulator's echoes reach the demo site, signed with its OA secret.
	waitFor(t, "the welcome echoes answered 200 by the demo site", func() bool {
		resp, err := http.Get(simURL + "/_sim/webhooks")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var ds []zalosim.WebhookDelivery
		if json.NewDecoder(resp.Body).Decode(&ds) != nil {
			return false
		}
		ok := 0
		for _, d := range ds {
			if d.Status == http.StatusOK && d.Event == "oa_send_group_text" {
				ok++
			}
		}
		return ok >= len(demoHamlets)
	})
	// A second demo on the same database is refused, naming the first, and
	// the first one's database is left alone.
	var errOut bytes.Buffer
	err = run(context.Background(), []string{"demo", "--addr", "127.0.0.1:0", "--db", db}, func(string) string { return "" },
		strings.NewReader(""), io.Discard, &errOut)
	if err == nil || exitCode(err, io.Discard) != 1 || !strings.Contains(err.Error(), "loaxa demo đang chạy") ||
		!strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("a second demo on the same database = %v; want exit 1 naming the first (pid %d)", err, os.Getpid())
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("the first demo's database after a second demo was refused: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo after Ctrl-C: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop within 30s of Ctrl-C")
	}
}

// connectOA runs `loaxa zalo connect` as the admin would, the test playing
// the browser with the simulator's auto-grant, and returns its stdout.
func connectOA(t *testing.T, c *cli, redirect string) string {
	t.Helper()
	// The admin opens the printed address, Zalo redirects to the callback;
	// the test plays the browser with the simulator's auto-grant.
	var out syncBuffer
	var errOut bytes.Buffer
	pr, pw := io.Pipe()
	env := map[string]string{"LOAXA_DB": c.db}
	for k, v := range c.env {
		env[k] = v
	}
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"zalo", "connect", "--redirect-uri", redirect},
			func(k string) string { return env[k] }, pr, &out, &errOut)
	}()
	re := regexp.MustCompile(`(http://\S+/v4/oa/permission\?\S+)`)
	var authURL string
	waitFor(t, "the authorisation address", func() bool {
		m := re.FindStringSubmatch(out.String())
		if m != nil {
			authURL = m[1]
		}
		return authURL != ""
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL + "&auto=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, redirect+"?") || !strings.Contains(callback, "code=") {
		t.Fatalf("the grant redirected to %q; want the callback with a code", callback)
	}
	pw.Write([]byte(callback + "\n"))
	if err := <-done; err != nil {
		t.Fatalf("zalo connect: %v (%s)", err, errOut.String())
	}
	return out.String()
}
