package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// The tests of issue 13, each through the real server on 127.0.0.1 and a
// real database: the site behind a proxy, as an outside tester probes it.

// behindProxy makes the test client's address (127.0.0.1) a trusted proxy.
func behindProxy(c *web.Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
}

func failLogin(b *browser, user string) *http.Response {
	b.t.Helper()
	resp, _ := b.post("/login", url.Values{"username": {user}, "password": {"đoán bừa mật khẩu"}})
	return resp
}

func TestStrangerCannotLockOutStaff(t *testing.T) {
	s := newSite(t, behindProxy)
	stranger := s.behind("203.0.113.9")
	stranger.get("/login")
	var failures int
	for i := 0; i < 40 && failures < 25; i++ {
		switch resp := failLogin(stranger, "quantri"); resp.StatusCode {
		case http.StatusUnauthorized, http.StatusTooManyRequests:
			if resp.StatusCode == http.StatusUnauthorized || strings.Contains(resp.Header.Get("Content-Type"), "html") {
				failures++ // a 429 after a counted failure also counted it
			}
		default:
			t.Fatalf("stranger's attempt %d = %d", i, resp.StatusCode)
		}
		s.clock.Add(16 * time.Minute) // past any wait: every attempt is a real failure
	}
	// The stranger is slowed down …
	resp := failLogin(stranger, "quantri")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("stranger after %d failures = %d; want 429", failures, resp.StatusCode)
	}
	// … and cannot dodge it by writing addresses of their own into
	// X-Forwarded-For: the proxy appends the real one on the right.
	for i := range 3 {
		stranger.xff = "10.9.9." + strconv.Itoa(i) + ", 203.0.113.9"
		if resp := failLogin(stranger, "quantri"); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("stranger with a forged X-Forwarded-For prefix = %d; want 429", resp.StatusCode)
		}
	}
	// The real admin, from another address, signs in at once.
	admin := s.behind("198.51.100.7")
	admin.login("quantri")
	// The attack is logged and shown on the audit page.
	_, body := admin.get("/audit")
	if !strings.Contains(body, "Tài khoản đang bị dò mật khẩu") || !strings.Contains(body, `<td data-label="Tên đăng nhập">quantri</td>`) {
		t.Errorf("audit page does not show quantri under attack")
	}
	es, _ := s.store.Audit(context.Background(), notices.AuditFilter{Action: "user.login_attack"})
	if len(es) == 0 || es[0].Actor != "quantri" {
		t.Errorf("audit entries for the attack: %+v", es)
	}

	// Many strangers through the proxy, each from its own address, each
	// failing a few times for several names: nobody else is shut out.
	for i := range 30 {
		c := s.behind("192.0.2." + strconv.Itoa(i+1))
		c.get("/login")
		for _, u := range []string{"quantri", "duyet", "bien"} {
			failLogin(c, u)
		}
	}
	for _, u := range []string{"quantri", "duyet", "bien"} {
		s.behind("198.51.100.8").login(u)
	}
}

func TestForwardedForFromStrangersIgnored(t *testing.T) {
	// No trusted proxy: X-Forwarded-For is the client's own claim. A
	// stranger rotating it still counts as one address and is slowed.
	s := newSite(t)
	b := s.browser()
	b.get("/login")
	for i := range 21 {
		b.xff = "192.0.2." + strconv.Itoa(i+1)
		failLogin(b, "khong-co-"+strconv.Itoa(i))
		s.clock.Add(16 * time.Minute)
	}
	b.xff = "192.0.2.200"
	if resp := failLogin(b, "khac"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after 22 failures with forged X-Forwarded-For = %d; want 429 (one address)", resp.StatusCode)
	}
}

func TestIPv6NetworkCountsAsOneAddress(t *testing.T) {
	s := newSite(t, behindProxy, func(c *web.Config) { c.AddrFailures = 8 })
	b := s.browser()
	b.get("/login")
	for i := range 9 { // a new address of the same /64 each time
		b.xff = "2001:db8:1:2::" + strconv.FormatInt(int64(i+1), 16)
		failLogin(b, "khong-co-"+strconv.Itoa(i))
	}
	b.xff = "2001:db8:1:2:ffff::1"
	if resp := failLogin(b, "khac"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after 9 failures from one /64 = %d; want 429", resp.StatusCode)
	}
	s.behind("2001:db8:1:3::1").login("quantri") // the next /64 is another subscriber
}

func TestSecureCookiesAndHSTSWithHTTPSBase(t *testing.T) {
	s := newSite(t, func(c *web.Config) { c.BaseURL = "https://loa.xaanphu.gov.vn" })
	b := s.browser()
	resp, _ := b.get("/login")
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("HSTS = %q; want max-age", got)
	}
	resp, _ = b.post("/login", url.Values{"username": {"bien"}, "password": {password}})
	var seen int
	for _, c := range resp.Cookies() {
		seen++
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s: Secure %v HttpOnly %v; want both", c.Name, c.Secure, c.HttpOnly)
		}
	}
	if resp.StatusCode != http.StatusSeeOther || seen == 0 {
		t.Fatalf("sign-in = %d with %d cookies", resp.StatusCode, seen)
	}
	if resp, _ := b.get("/dashboard"); resp.StatusCode != http.StatusOK {
		t.Errorf("dashboard over TLS with the Secure cookie = %d", resp.StatusCode)
	}
}

func TestForgedHostNeverReachesLinks(t *testing.T) {
	// The client files cookies under req.Host: send the site's by hand.
	forge := func(b *browser, req *http.Request, host string) {
		u, _ := url.Parse(b.site.srv.URL)
		for _, c := range b.c.Jar.Cookies(u) {
			req.AddCookie(c)
		}
		req.Host = host
	}
	get := func(t *testing.T, b *browser, path, host string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, b.site.srv.URL+path, nil)
		forge(b, req, host)
		return b.do(req)
	}
	post := func(t *testing.T, b *browser, path, host string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, b.site.srv.URL+path,
			strings.NewReader(url.Values{"csrf_token": {b.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		forge(b, req, host)
		resp, _ := b.do(req)
		return resp
	}
	for _, tt := range []struct {
		name     string
		mod      func(*web.Config)
		redirect string // the redirect_uri Zalo gets; "" = connect refused
	}{
		{"with LOAXA_BASE_URL", func(c *web.Config) { c.BaseURL = "https://loa.xaanphu.gov.vn" },
			"https://loa.xaanphu.gov.vn/zalo/callback"},
		{"without it", nil, ""},
		{"without it, behind a proxy", behindProxy, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*web.Config)
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			s := newSite(t, mods...)
			sent := s.notice(notices.Notice{Title: "Họp dân", Author: "tacgia", Status: notices.StatusApproved})
			s.send(sent.ID, notices.DeliverySent)
			b := s.browser()
			for _, host := range []string{"evil.example", "127.0.0.1.evil.example", "localhost.evil.example:80"} {
				_, body := get(t, b, "/public/feed.atom", host)
				if strings.Contains(body, "evil") || !strings.Contains(body, "/public/notices/"+strconv.FormatInt(sent.ID, 10)) {
					t.Errorf("feed with Host %s:\n%s", host, body)
				}
			}
			admin := s.signedIn("quantri")
			resp, body := get(t, admin, "/zalo", "evil.example")
			if resp.StatusCode != http.StatusOK || strings.Contains(body, "evil") {
				t.Errorf("the Zalo page shows the forged host")
			}
			resp = post(t, admin, "/zalo/connect", "evil.example")
			loc := resp.Header.Get("Location")
			if strings.Contains(loc, "evil") {
				t.Fatalf("connect with a forged Host redirects to %q", loc)
			}
			if tt.redirect == "" {
				if loc != "/zalo" {
					t.Errorf("connect without a trusted address = %d %q; want refused, back to /zalo", resp.StatusCode, loc)
				}
				var said bool
				for _, c := range resp.Cookies() {
					msg, _ := url.QueryUnescape(c.Value)
					said = said || c.Name == "loaxa_flash" && strings.Contains(msg, "LOAXA_BASE_URL")
				}
				if !said {
					t.Errorf("the refusal does not say to set LOAXA_BASE_URL")
				}
				return
			}
			to, _ := url.Parse(loc)
			if got := to.Query().Get("redirect_uri"); got != tt.redirect {
				t.Errorf("redirect_uri = %q; want %q", got, tt.redirect)
			}
		})
	}
	// On this machine, without a base URL and without a proxy (loaxa
	// demo), the loopback address is used.
	s := newSite(t)
	admin := s.signedIn("quantri")
	resp, _ := admin.post("/zalo/connect", nil)
	to, _ := url.Parse(resp.Header.Get("Location"))
	if got := to.Query().Get("redirect_uri"); got != s.srv.URL+"/zalo/callback" {
		t.Errorf("local redirect_uri = %q; want %q", got, s.srv.URL+"/zalo/callback")
	}
}

func TestWeakPasswordsRefusedOnTheSite(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("quantri")
	for _, pw := range []string{"Password1!", "12345678901", "matkhau12345", "qwertyuiop1", "admin@123", "123456789",
		"Password1234!", "qwertyuiop12", "matkhaumoi2024", "thunghiem12345", "Khóm 1 Khóm 1 2026", "moi-moi-123456"} {
		resp, body := b.post("/users", url.Values{"username": {"moi"}, "role": {"editor"}, "password": {pw}, "password2": {pw}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Mật khẩu") {
			t.Errorf("new account with password %q = %d; want 422 with the reason", pw, resp.StatusCode)
		}
		resp, _ = b.post("/users/bien/password", url.Values{"password": {pw}, "password2": {pw}})
		if resp.StatusCode == http.StatusSeeOther {
			if _, err := s.store.Authenticate(context.Background(), "bien", pw); err == nil {
				t.Errorf("password change to %q accepted", pw)
			}
		}
	}
	if _, err := s.store.UserByName(context.Background(), "moi"); err == nil {
		t.Errorf("an account was created with a weak password")
	}
}

func TestLongPasswordSuffixDoesNotSignIn(t *testing.T) {
	s := newSite(t)
	pw := strings.Repeat("Xk9#mP2vLq7!", 6) // exactly 72 bytes
	if err := s.store.SetPassword(context.Background(), "test", "bien", pw); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"x", "bất cứ gì"} {
		b := s.browser()
		b.get("/login")
		resp, _ := b.post("/login", url.Values{"username": {"bien"}, "password": {pw + suffix}})
		if resp.StatusCode == http.StatusSeeOther {
			t.Errorf("72-byte password + %q signed in", suffix)
		}
	}
	b := s.browser()
	b.get("/login")
	if resp, _ := b.post("/login", url.Values{"username": {"bien"}, "password": {pw}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the 72-byte password itself = %d; want 303", resp.StatusCode)
	}
}

func TestOpenRedirectsRefused(t *testing.T) {
	s := newSite(t)
	for _, next := range []string{
		"//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
		"/\n/evil.example", "/\r\n/evil.example", "/ /evil.example", "https://evil.example/x", "http:evil.example",
		"javascript:alert(1)", "evil.example", "/%2F/evil.example", "/%5Cevil.example", "/\x00/evil.example",
		"/\u3000/evil.example", "/\u00a0/evil.example", "//\tevil.example", "/login?next=//evil.example",
		"/.//evil.example", "/..//evil.example", "/x\\@evil.example", "/@evil.example\\",
	} {
		b := s.browser()
		b.get("/login")
		resp, _ := b.post("/login", url.Values{"username": {"duyet"}, "password": {password}, "next": {next}})
		loc := resp.Header.Get("Location")
		u, err := url.Parse(loc)
		if resp.StatusCode != http.StatusSeeOther || err != nil || u.Host != "" || u.Scheme != "" ||
			strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\\\t\r\n ") {
			t.Errorf("next=%q: %d Location %q; want a path of this site", next, resp.StatusCode, loc)
		}
		if loc != "/dashboard" && !strings.HasPrefix(next, "/.") {
			t.Errorf("next=%q went to %q; want /dashboard", next, loc)
		}
	}
	b := s.browser()
	b.get("/login")
	resp, _ := b.post("/login", url.Values{"username": {"duyet"}, "password": {password}, "next": {"/notices?status=pending#top"}})
	if got := resp.Header.Get("Location"); got != "/notices?status=pending#top" {
		t.Errorf("a path of this site: Location %q", got)
	}
}

func TestOAuthStateBoundToSession(t *testing.T) {
	s := newSite(t, func(c *web.Config) { c.BaseURL = "https://loa.xaanphu.gov.vn" })
	if err := s.store.CreateUser(context.Background(), "test", &notices.User{Username: "quantri2", Role: notices.RoleAdmin},
		password); err != nil {
		t.Fatal(err)
	}
	start := func(b *browser) string {
		resp, _ := b.post("/zalo/connect", nil)
		to, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || to.Query().Get("state") == "" {
			t.Fatalf("connect = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return to.Query().Get("state")
	}
	a := s.signedIn("quantri")
	other := s.signedIn("quantri2")
	again := s.signedIn("quantri") // the same admin, another session
	// The attacker-admin's link opened by someone else does nothing.
	for _, b := range []*browser{other, again} {
		st := start(a)
		b.get("/zalo/callback?code=planted&state=" + url.QueryEscape(st))
		_, body := b.get("/zalo")
		if !strings.Contains(body, "không do chính bạn bắt đầu") {
			t.Errorf("a stranger's state: no explanation")
		}
		// … and spends the state.
		a.get("/zalo/callback?code=late&state=" + url.QueryEscape(st))
	}
	if len(s.zalo.codes) != 0 {
		t.Fatalf("codes exchanged: %v; want none", s.zalo.codes)
	}
	// Ten minutes and a second later the flow has lapsed.
	st := start(a)
	s.clock.Add(10*time.Minute + time.Second)
	a.get("/zalo/callback?code=slow&state=" + url.QueryEscape(st))
	if len(s.zalo.codes) != 0 {
		t.Fatalf("an expired state exchanged a code")
	}
	// The right session, in time: once.
	st = start(a)
	a.get("/zalo/callback?code=ok&state=" + url.QueryEscape(st))
	a.get("/zalo/callback?code=ok&state=" + url.QueryEscape(st))
	if len(s.zalo.codes) != 1 || !strings.HasPrefix(s.zalo.codes[0], "ok ") {
		t.Errorf("codes = %v; want the one of the right session, once", s.zalo.codes)
	}
	// Zalo's error text never reaches the page.
	a.get("/zalo/callback?error=" + url.QueryEscape("<b>Hãy gọi 0900 000 000 để nhận thưởng</b>"))
	_, body := a.get("/zalo")
	if strings.Contains(body, "0900") || strings.Contains(body, "nhận thưởng") || !strings.Contains(body, "Zalo báo lỗi khi cấp quyền") {
		t.Errorf("callback error text shown, or no fixed message")
	}
}

func TestRefersToMustHaveGoneOut(t *testing.T) {
	s := newSite(t)
	pending := s.notice(notices.Notice{Title: "Bí mật chưa duyệt", Author: "tacgia"})
	rejected := s.notice(notices.Notice{Title: "Nội dung bị từ chối", Author: "tacgia"})
	if err := s.store.RejectNotice(context.Background(), rejected.ID, "duyet", "sai"); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn("bien")
	for _, n := range []*notices.Notice{pending, rejected} {
		id := strconv.FormatInt(n.ID, 10)
		if resp, body := b.get("/compose?refers_to=" + id); resp.StatusCode == http.StatusOK || strings.Contains(body, n.Title) {
			t.Errorf("compose a correction of %q = %d", n.Title, resp.StatusCode)
		}
		form := url.Values{"title": {"Đính chính"}, "body": {"x"}, "kind": {"update"}, "refers_to": {id},
			"target_mode": {"all"}, "when": {"now"}, "priority": {"normal"}}
		resp, body := b.post("/compose", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "chưa từng được duyệt") {
			t.Errorf("crafted update of %q = %d; want 422 with the reason", n.Title, resp.StatusCode)
		}
		if strings.Contains(body, n.Title) {
			t.Errorf("the refused form quotes the unpublished title %q", n.Title)
		}
		form.Set("action", "preview")
		if _, body := b.post("/compose", form); strings.Contains(body, n.Title) {
			t.Errorf("the preview quotes the unpublished title %q", n.Title)
		}
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/compose/preview", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", b.csrf)
		if _, body := b.do(req); strings.Contains(body, n.Title) {
			t.Errorf("the live preview quotes the unpublished title %q", n.Title)
		}
	}
	if ns, _ := s.store.Notices(context.Background(), notices.NoticeFilter{RefersTo: pending.ID}); len(ns) != 0 {
		t.Errorf("a correction of a pending notice was stored")
	}
}

func TestCacheControlAndOpsHeaders(t *testing.T) {
	health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("loaxa_up 1\n")) })
	s := newSite(t, func(c *web.Config) { c.Health, c.Metrics, c.MetricsToken = health, metrics, "bi-mat-metrics" })
	sent := s.notice(notices.Notice{Title: "Họp dân", Author: "tacgia", Status: notices.StatusApproved})
	s.send(sent.ID, notices.DeliverySent)
	b := s.browser()
	for path, want := range map[string]string{
		"/public": "public, max-age=60", "/public/feed.atom": "public, max-age=60",
		"/public/notices/" + strconv.FormatInt(sent.ID, 10): "public, max-age=60",
		"/login": "no-store", "/healthz": "no-store", "/dashboard": "no-store",
	} {
		resp, _ := b.get(path)
		if got := resp.Header.Get("Cache-Control"); got != want {
			t.Errorf("GET %s: Cache-Control %q; want %q", path, got, want)
		}
		if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no security headers", path)
		}
	}
	if _, body := b.get("/healthz"); body != "ok" {
		t.Errorf("/healthz = %q", body)
	}
	for _, auth := range []string{"", "Bearer sai", "bi-mat-metrics", "Basic bi-mat-metrics"} {
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if resp, body := b.do(req); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "loaxa_up") {
			t.Errorf("/metrics with %q = %d; want 401", auth, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer bi-mat-metrics")
	resp, body := b.do(req)
	if resp.StatusCode != http.StatusOK || body != "loaxa_up 1\n" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("/metrics with the token = %d %q", resp.StatusCode, body)
	}
	// A staff member's pending message never lands on a cached public page.
	staff := s.signedIn("bien")
	staff.post("/logout", nil)
	if _, body := staff.get("/public"); strings.Contains(body, "Bạn đã đăng xuất") {
		t.Errorf("a flash message on a public (cached) page")
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	s := newSite(t, func(c *web.Config) { c.SessionIdle = 2 * time.Hour })
	b := s.signedIn("bien")
	for i := range 5 { // used every 100 minutes: alive past 8 h
		s.clock.Add(100 * time.Minute)
		if resp, _ := b.get("/dashboard"); resp.StatusCode != http.StatusOK {
			t.Fatalf("use %d after 100 min = %d; want 200", i+1, resp.StatusCode)
		}
	}
	s.clock.Add(2*time.Hour + time.Minute)
	if resp, _ := b.get("/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after 2 h unused = %d; want 303 to /login", resp.StatusCode)
	}
	// The 12 h limit holds however busy the session.
	c := s.signedIn("bien")
	for range 9 {
		s.clock.Add(80 * time.Minute)
		c.get("/dashboard")
	}
	if resp, _ := c.get("/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after 12 h = %d; want 303 to /login", resp.StatusCode)
	}
}

func TestSQLInsertShownUnverified(t *testing.T) {
	s := newSite(t)
	db, err := sql.Open("sqlite3", "file:"+s.store.Path()+"?_busy_timeout=5000") // another program
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`INSERT INTO notices (title, body, source, author) VALUES ('Giả danh', 'b', 'web', 'quantri')`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	_, body := s.signedIn("duyet").get("/notices/" + strconv.FormatInt(id, 10))
	if !strings.Contains(body, "quantri <span class=\"muted\">(chưa xác minh") {
		t.Errorf("a row inserted by SQL claiming author quantri is not marked as unverified")
	}
}
