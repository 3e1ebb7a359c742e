package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// The accessibility check: axe-core (Deque's engine, npm's axe-core) run
// in Chromium on every page, in the states that matter (empty, full, a
// refused form, each role, the public pages), at a desktop's 1280 px and a
// phone's 390 px. No critical, serious or moderate violation is allowed;
// a minor one only when axeMinorAllowed says why.
//
// axe-core is found at LOAXA_AXE_DIR (the axe-core folder: node_modules/
// axe-core), or where .ci/validate installs it. Without it the test skips,
// saying how to get it, except under CI, where it fails.

// axeMinorAllowed lists the minor axe rules this site accepts, each with
// its reason. Empty: none is.
var axeMinorAllowed = map[string]string{}

// findAxe returns the source of axe.min.js.
func findAxe(t *testing.T) string {
	t.Helper()
	dirs := []string{os.Getenv("LOAXA_AXE_DIR")}
	if cache, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(cache, "loaxa-ci", "node_modules", "axe-core"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d, "axe.min.js")); err == nil {
			return string(b)
		}
	}
	msg := fmt.Sprintf("axe-core not found (looked for axe.min.js in LOAXA_AXE_DIR=%q and %v); "+
		"install it with: npm install --no-save --prefix DIR axe-core, then LOAXA_AXE_DIR=DIR/node_modules/axe-core "+
		"(bash .ci/validate does both)", os.Getenv("LOAXA_AXE_DIR"), dirs[1:])
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " — CI must run it")
	}
	t.Skip(msg)
	return ""
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRun runs axe on the page the context shows.
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || '', help: v.help,
	nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))
})))`

// axeChecker runs axe on pages and reports what it finds.
type axeChecker struct {
	t     *testing.T
	axe   string
	pages int
}

// check runs axe on what ctx shows, at both widths; label names the page.
func (a *axeChecker) check(ctx context.Context, label string) {
	a.t.Helper()
	for _, w := range []struct {
		name string
		set  chromedp.Action[chromedp.Void]
	}{
		{"1280 px", chromedp.EmulateViewport(1280, 900)},
		{"390 px", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)},
	} {
		if err := chromedp.Do(ctx, w.set); err != nil {
			a.t.Fatalf("%s: viewport %s: %v", label, w.name, err)
		}
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === 'object'`))
		if err != nil {
			a.t.Fatalf("%s: %v", label, err)
		}
		if !loaded {
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](a.axe+";\ntrue")); err != nil {
				a.t.Fatalf("%s: load axe-core: %v", label, err)
			}
		}
		vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
		if err != nil {
			a.t.Fatalf("%s at %s: axe.run: %v", label, w.name, err)
		}
		a.pages++
		for _, v := range vs {
			if v.Impact == "minor" && axeMinorAllowed[v.ID] != "" {
				continue
			}
			a.t.Errorf("%s at %s: axe %s (%s): %s\n    %s", label, w.name, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    "))
		}
	}
}

// open navigates to path and checks it.
func (a *axeChecker) open(ctx context.Context, base, path, label string) {
	a.t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
		a.t.Fatalf("open %s: %v", path, err)
	}
	a.check(ctx, label+" "+path)
}

// refuse fills the form sel with values, skipping the browser's own
// checks (required) so that the server answers, submits it, waits for the
// refused form and checks it.
func (a *axeChecker) refuse(ctx context.Context, base, path, sel string, values map[string]string, label string) {
	a.t.Helper()
	var set strings.Builder
	for k, v := range values {
		fmt.Fprintf(&set, "f.elements[%q].value = %q;\n", k, v)
	}
	js := `(() => { const f = document.querySelector(` + fmt.Sprintf("%q", sel) + `); f.noValidate = true;
` + set.String() + ` document.body.dataset.before = '1';
  setTimeout(() => f.requestSubmit(f.querySelector('button[type=submit]:not([value=preview])')), 0); return true; })()`
	err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main")))
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	}
	if err != nil {
		a.t.Fatalf("refused form %s: %v", path, err)
	}
	// The page navigates: ask the new one, past the errors of the old.
	for deadline := time.Now().Add(15 * time.Second); ; {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`!document.body.dataset.before && document.readyState === 'complete' && !!document.querySelector('.field-error')`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("refused form %s: no refusal shown (%v)", path, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.check(ctx, label+" "+path+" (refused form)")
}

// TestAxe checks every page of the site with axe-core.
func TestAxe(t *testing.T) {
	a := &axeChecker{t: t, axe: findAxe(t)}
	browser := newChrome(t)

	// Empty: a new installation with one administrator and no Zalo client.
	empty := newBareSite(t)
	admin := userContext(t, browser)
	a.open(admin, empty, "/public", "empty, public:")
	a.open(admin, empty, "/login", "empty, signed out:")
	signIn(t, admin, empty, "quantri")
	for _, p := range []string{"/dashboard", "/notices", "/compose", "/hamlets", "/users", "/zalo", "/audit"} {
		a.open(admin, empty, p, "empty, admin:")
	}

	// Full: the simulator's groups, notices in every state, delivered by
	// the real daemon.
	l := newLive(t)
	ids := seedAxe(t, l)
	anon := userContext(t, browser)
	a.open(anon, l.url, "/public", "public:")
	a.open(anon, l.url, "/public?hamlet="+l.codes[0], "public:")
	a.open(anon, l.url, "/public/notices/"+itoa(ids["done"]), "public:")
	a.open(anon, l.url, "/nowhere", "public:")
	a.refuse(anon, l.url, "/login", `form[action="/login"]`, map[string]string{"username": "bien", "password": "sai mật khẩu"}, "signed out:")

	editor := userContext(t, browser)
	signIn(t, editor, l.url, "bien")
	for _, p := range []string{"/dashboard", "/notices", "/notices?status=done", "/compose", "/compose?refers_to=" + itoa(ids["done"])} {
		a.open(editor, l.url, p, "editor:")
	}
	for _, state := range []string{"pending", "done", "failed", "rejected", "cancelled", "scheduled"} {
		a.open(editor, l.url, "/notices/"+itoa(ids[state]), "editor, "+state+":")
	}
	a.refuse(editor, l.url, "/compose", `form[action="/compose"]`,
		map[string]string{"title": "", "body": "Nội dung", "category": strings.Repeat("dài", 20)}, "editor:")

	approver := userContext(t, browser)
	signIn(t, approver, l.url, "duyet")
	for _, p := range []string{"/dashboard", "/notices/" + itoa(ids["pending"]), "/audit"} {
		a.open(approver, l.url, p, "approver:")
	}

	adm := userContext(t, browser)
	signIn(t, adm, l.url, "quantri")
	for _, p := range []string{"/dashboard", "/hamlets", "/hamlets/" + l.codes[0], "/users", "/zalo", "/audit"} {
		a.open(adm, l.url, p, "admin:")
	}
	a.refuse(adm, l.url, "/hamlets", `form[action="/hamlets"]`, map[string]string{"name": "", "group_id": ""}, "admin:")
	a.refuse(adm, l.url, "/users", `form[action="/users"]`,
		map[string]string{"username": "x", "password": "ngắn", "password2": "khác"}, "admin:")
	t.Logf("axe checked %d page views (each page at 1280 and 390 px)", a.pages)
}

// newBareSite is a new installation: one administrator, nothing else, no
// Zalo client.
func newBareSite(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	store, err := notices.Open(ctx, filepath.Join(t.TempDir(), "loaxa.db"),
		notices.Options{Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.CreateUser(ctx, "test", &notices.User{Username: "quantri", Role: notices.RoleAdmin}, password); err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm"}, store, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	return srv.URL
}

// seedAxe puts notices in each state into l and returns their ids by
// state; it waits until the daemon has delivered the sent ones.
func seedAxe(t *testing.T, l *live) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	gone := notices.Hamlet{Name: "Ấp Đã Rời Nhóm", GroupID: "nhom-khong-con"} // the OA is not in this group
	if err := l.store.CreateHamlet(ctx, "test", &gone); err != nil {
		t.Fatal(err)
	}
	add := func(n notices.Notice) int64 {
		t.Helper()
		n.Source, n.Author = notices.SourceWeb, "bien"
		if n.Body == "" {
			n.Body = "Bà con lưu ý.\nXin cảm ơn."
		}
		if err := l.store.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n.ID
	}
	// longCategory is a 40-character category: the /notices filter's
	// select must still fit a phone.
	const longCategory = "MÔI TRƯỜNG NÔNG NGHIỆP VÀ KHUYẾN NÔNG XÃ"
	ids := map[string]int64{
		"done": add(notices.Notice{Title: "Cắt điện ngày 28/11", Category: "điện nước", Status: notices.StatusApproved,
			Targets: []string{l.codes[0], l.codes[1]}}),
		"failed": add(notices.Notice{Title: "Họp tổ dân phố", Status: notices.StatusApproved,
			Targets: []string{gone.Code}}),
		"urgent": add(notices.Notice{Title: "Khẩn: bão số 9", Priority: notices.Urgent, Status: notices.StatusApproved,
			Body: strings.Repeat("Bà con chằng chống nhà cửa, không ra khơi. ", 60)}),
		"pending":   add(notices.Notice{Title: "Tiêm phòng dại", Priority: notices.Urgent}),
		"rejected":  add(notices.Notice{Title: "Bản nháp sai", Category: longCategory}),
		"cancelled": add(notices.Notice{Title: "Lịch hẹn đã hủy", Status: notices.StatusApproved, PublishAt: time.Now().Add(48 * time.Hour)}),
		"scheduled": add(notices.Notice{Title: "Bản tin sáng thứ Hai", Recurrence: "0 7 * * 1", Status: notices.StatusApproved}),
	}
	if err := l.store.RejectNotice(ctx, ids["rejected"], "duyet", "Sai ngày họp"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.store.CancelNotice(ctx, ids["cancelled"], "duyet", "Hoãn lại"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err1 := l.store.Notice(ctx, ids["done"])
		u, err2 := l.store.Notice(ctx, ids["urgent"])
		if err1 == nil && err2 == nil && d.Status == notices.StatusDone && u.Status == notices.StatusDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not deliver the seeded notices in time (%v %v)", d.Status, u.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ids
}
