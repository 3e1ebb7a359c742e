package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/web"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// findChromium returns the system's Chromium. Without one the browser
// tests skip, except in CI (CI is set), where they fail.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (looked for chromium, chromium-browser, google-chrome); " +
		"install it with: apt-get install -y --no-install-recommends chromium"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " — CI must have it")
	}
	t.Skip(msg)
	return ""
}

// newChrome starts one headless browser for the test and returns a
// context that has it; each user gets a BrowserContext of their own from
// userContext, so their cookies are apart.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	path := findChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}

func userContext(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return ctx
}

// live is the whole system in this process: the store, the simulator, the
// real Zalo client, the daemon and the site.
type live struct {
	store *notices.Store
	sim   *zalosimtest.Server
	url   string
	codes []string // hamlet codes, one per simulator group
}

func newLive(t *testing.T) *live {
	t.Helper()
	ctx := context.Background()
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	sim := zalosimtest.New(t)
	store, err := notices.Open(ctx, filepath.Join(t.TempDir(), "loaxa.db"),
		notices.Options{Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SaveZaloTokens(ctx, sim.AccessToken, sim.RefreshToken, time.Now().Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	client := bot.NewClient(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, log)
	runner, err := schedule.New(schedule.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm", Bulletin: []notices.Recurrence{},
		PollInterval: 200 * time.Millisecond}, store, schedule.NewOneCommune(1, client), log)
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := runner.Stop(stop); err != nil {
			t.Errorf("stop runner: %v", err)
		}
	})
	l := &live{store: store, sim: sim}
	for _, g := range sim.Groups() {
		h := notices.Hamlet{Name: g.Name, GroupID: g.ID}
		if err := store.CreateHamlet(ctx, "test", &h); err != nil {
			t.Fatal(err)
		}
		l.codes = append(l.codes, h.Code)
	}
	for _, u := range []notices.User{{Username: "bien", Role: notices.RoleEditor},
		{Username: "duyet", Role: notices.RoleApprover}, {Username: "quantri", Role: notices.RoleAdmin}} {
		if err := store.CreateUser(ctx, "test", &u, password); err != nil {
			t.Fatal(err)
		}
	}
	site, err := web.New(web.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm"}, store, client, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	l.url = srv.URL
	return l
}

// signIn signs in through the form and waits for the dashboard.
func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/compose"].button`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
}

// TestBrowserStory is the whole story in a real browser: an editor writes
// an urgent notice with an image for two hamlets, an approver approves it,
// the daemon sends it to the simulator's groups, and the editor sees each
// hamlet "đã gửi".
func TestBrowserStory(t *testing.T) {
	browser := newChrome(t)
	l := newLive(t)
	img := filepath.Join(t.TempDir(), "loa.png")
	if err := os.WriteFile(img, pngBytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	groups := l.sim.Groups()

	editor := userContext(t, browser)
	signIn(t, editor, l.url, "bien")
	body := "Bão số 9 đổ bộ tối nay.\n\nBà con chằng chống nhà cửa, không ra khơi."
	err := chromedp.Do(editor,
		chromedp.Navigate(l.url+"/compose"),
		chromedp.SendKeys(chromedp.ID("title"), "Khẩn: bão số 9"),
		chromedp.SendKeys(chromedp.ID("body"), body),
		// The script counts characters and parts as one types.
		waitJS(`document.querySelector('[data-counter]').textContent.includes('1 phần')`),
		chromedp.Click(chromedp.CSS(`input[name=priority][value=urgent]`)),
		chromedp.Click(chromedp.CSS(`input[name=target_mode][value=list]`)),
		chromedp.Click(chromedp.CSS(`input[name=targets][value="`+l.codes[0]+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name=targets][value="`+l.codes[1]+`"]`)),
		chromedp.SetUploadFiles(chromedp.ID("image"), []string{img}),
		waitJS(`document.querySelector('[data-bubbles]').textContent.includes('🚨 KHẨN CẤP')`),
		chromedp.Click(chromedp.CSS(`button[value=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-progress-ids]`)),
	)
	if err != nil {
		t.Fatalf("compose: %v", err)
	}
	noticeURL, err := chromedp.Run(editor, chromedp.Location())
	if err != nil || !strings.Contains(noticeURL, "/notices/") {
		t.Fatalf("after compose the editor is at %q (%v); want the notice's page", noticeURL, err)
	}

	approver := userContext(t, browser)
	signIn(t, approver, l.url, "duyet")
	err = chromedp.Do(approver,
		chromedp.Navigate(noticeURL),
		chromedp.Click(chromedp.CSS(`a[data-approve]`)),
		// Approving is confirmed on a page of its own (confirm.go).
		chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	flash, _ := chromedp.Run(approver, chromedp.Text(chromedp.CSS(`.flash`)))
	if !strings.Contains(flash, "Đã duyệt") {
		t.Fatalf("after approving: %q", flash)
	}

	// The simulator's two groups receive it, with the image; the third does not.
	deadline := time.Now().Add(20 * time.Second)
	for {
		a, b := l.sim.Messages(groups[0].ID), l.sim.Messages(groups[1].ID)
		if len(a) > 0 && len(b) > 0 {
			for _, ms := range [][]zalosim.Message{a, b} {
				if !strings.Contains(ms[0].Text, "🚨 KHẨN CẤP") || !strings.Contains(ms[0].Text, "Khẩn: bão số 9") ||
					ms[0].AttachmentID == "" && ms[0].ImageURL == "" {
					t.Errorf("group received %+v; want the urgent notice with its image", ms[0])
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the groups did not receive the notice in time (%d, %d messages)", len(a), len(b))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ms := l.sim.Messages(groups[2].ID); len(ms) != 0 {
		t.Errorf("a hamlet not chosen received %d messages", len(ms))
	}

	// The editor's page, left open, turns to "đã gửi" for both hamlets:
	// its script polls the progress endpoint.
	pollCtx, cancel := context.WithTimeout(editor, 20*time.Second)
	defer cancel()
	_, err = chromedp.Run(pollCtx, chromedp.Poll[bool](`(() => {
		const s = [...document.querySelectorAll('[data-hamlet] [data-state]')].map(e => e.textContent.trim());
		return s.length === 2 && s.every(x => x === 'đã gửi');
	})()`))
	if err != nil {
		states, _ := chromedp.Run(editor, chromedp.Evaluate[string](
			`[...document.querySelectorAll('[data-hamlet]')].map(e => e.textContent.trim()).join(' | ')`))
		t.Fatalf("the editor does not see \"đã gửi\" for both hamlets: %v (%s)", err, states)
	}
}

// TestBrowserPhone opens the main pages at a phone's size and checks that
// nothing is wider than the screen.
func TestBrowserPhone(t *testing.T) {
	browser := newChrome(t)
	l := newLive(t)
	ctx := context.Background()
	n := &notices.Notice{Title: "Lịch tiêm phòng dại cho chó mèo tại nhà văn hóa khóm, mang theo sổ tiêm",
		Body:   strings.Repeat("Bà con mang chó mèo tới nhà văn hóa đúng giờ. ", 30) + strings.Repeat("x", 120),
		Source: notices.SourceWeb, Author: "bien", Status: notices.StatusApproved}
	if err := l.store.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	user := userContext(t, browser)
	if err := chromedp.Do(user, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	check := func(path string) {
		t.Helper()
		err := chromedp.Do(user, chromedp.Navigate(l.url+path), chromedp.WaitReady(chromedp.CSS("main")))
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		ok, err := chromedp.Run(user, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		if err != nil || !ok {
			w, _ := chromedp.Run(user, chromedp.Evaluate[string](`document.documentElement.scrollWidth + ' > ' + window.innerWidth`))
			t.Errorf("%s overflows a 390 px screen: %s %v", path, w, err)
		}
	}
	check("/login")
	check("/public")
	signIn(t, user, l.url, "quantri")
	id := "/notices/" + itoa(n.ID)
	for _, p := range []string{"/dashboard", "/compose", "/notices", id, "/compose?refers_to=" + itoa(n.ID),
		"/hamlets", "/users", "/zalo", "/audit"} {
		check(p)
	}
	// Once sent, its public pages too.
	deadline := time.Now().Add(20 * time.Second)
	for len(l.sim.AllMessages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	check("/public")
	check("/public/notices/" + itoa(n.ID))
}

// waitJS waits until the expression is true in the page.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr)(ctx, t)
		return err
	})
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
