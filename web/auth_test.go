package web_test

import (
	"context"
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

func TestStrangersGoToLogin(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	for _, path := range []string{"/dashboard", "/compose", "/notices/1", "/hamlets", "/users", "/zalo", "/audit", "/"} {
		resp, _ := b.get(path)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") && loc != "/dashboard" {
			t.Errorf("GET %s as a stranger = %d %q; want 303 to /login", path, resp.StatusCode, loc)
		}
	}
	resp, _ := b.get("/dashboard/progress.json")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET progress.json as a stranger = %d; want 401", resp.StatusCode)
	}
	// After sign-in the browser goes where it was going.
	resp, _ = b.get("/audit?actor=x")
	next := resp.Header.Get("Location")
	b.get(next)
	resp, _ = b.post("/login", url.Values{"username": {"duyet"}, "password": {password}, "next": {"/audit?actor=x"}})
	if got := resp.Header.Get("Location"); got != "/audit?actor=x" {
		t.Errorf("after sign-in: Location %q; want /audit?actor=x", got)
	}
	// … but never to another site.
	b2 := s.browser()
	b2.get("/login")
	resp, _ = b2.post("/login", url.Values{"username": {"duyet"}, "password": {password}, "next": {"//evil.example/x"}})
	if got := resp.Header.Get("Location"); got != "/dashboard" {
		t.Errorf("sign-in with next=//evil.example: Location %q; want /dashboard", got)
	}
}

func TestCSRF(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("bien")
	other := s.signedIn("tacgia")
	form := func(token string) url.Values {
		return url.Values{"csrf_token": {token}, "title": {"Họp"}, "body": {"x"}, "priority": {"normal"},
			"target_mode": {"all"}, "when": {"now"}, "kind": {"notice"}}
	}
	for _, tt := range []struct {
		name  string
		token string
	}{{"missing", "-"}, {"wrong", "sai-ma"}, {"another session's", other.csrf}} {
		resp, body := b.post("/compose", form(tt.token))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "chống giả mạo") {
			t.Errorf("POST /compose with a %s token = %d; want 403 with a Vietnamese reason", tt.name, resp.StatusCode)
		}
	}
	if ns, _ := s.store.Notices(context.Background(), notices.NoticeFilter{}); len(ns) != 0 {
		t.Fatalf("refused forms created %d notices", len(ns))
	}
	resp, _ := b.post("/compose", form(b.csrf))
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("POST /compose with the right token = %d; want 303", resp.StatusCode)
	}
	// The header form, for scripts.
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/compose/preview", strings.NewReader("title=x&body=y"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", b.csrf)
	if resp, _ := b.do(req); resp.StatusCode != http.StatusOK {
		t.Errorf("preview with X-CSRF-Token = %d; want 200", resp.StatusCode)
	}
	// Sign-out and sign-in need theirs too.
	if resp, _ := b.post("/logout", url.Values{"csrf_token": {"-"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /logout without a token = %d; want 403", resp.StatusCode)
	}
	c := s.browser()
	c.get("/login")
	if resp, _ := c.post("/login", url.Values{"csrf_token": {"-"}, "username": {"bien"}, "password": {password}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /login without a token = %d; want 403", resp.StatusCode)
	}
	if resp, _ := c.post("/login", url.Values{"csrf_token": {"khac"}, "username": {"bien"}, "password": {password}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /login with a wrong token = %d; want 403", resp.StatusCode)
	}
}

// TestRoleMatrix tries every action as every role, on a fresh site each
// time: allowed means neither 403 nor a trip to /login.
func TestRoleMatrix(t *testing.T) {
	type action struct {
		method, path string
		form         url.Values
		min          string // the least role allowed
	}
	actions := func(pending, other int64) []action {
		p, o := strconv.FormatInt(pending, 10), strconv.FormatInt(other, 10)
		return []action{
			{"GET", "/dashboard", nil, "editor"},
			{"GET", "/dashboard/progress.json?ids=" + p, nil, "editor"},
			{"GET", "/notices", nil, "editor"},
			{"GET", "/compose", nil, "editor"},
			{"POST", "/compose", url.Values{"title": {"T"}, "body": {"B"}, "when": {"now"}, "target_mode": {"all"}}, "editor"},
			{"POST", "/compose/preview", url.Values{"title": {"T"}}, "editor"},
			{"GET", "/notices/" + p, nil, "editor"},
			{"GET", "/notices/" + p + "/progress.json", nil, "editor"},
			{"POST", "/notices/" + o + "/retry", nil, "editor"},
			{"POST", "/notices/" + p + "/approve", nil, "approver"},
			{"POST", "/notices/" + o + "/reject", url.Values{"reason": {"sai"}}, "approver"},
			{"POST", "/notices/" + o + "/cancel", nil, "approver"}, // someone else's notice
			{"GET", "/audit", nil, "approver"},
			{"GET", "/hamlets", nil, "admin"},
			{"POST", "/hamlets", url.Values{"name": {"Ấp 3"}, "group_id": {"g9"}}, "admin"},
			{"GET", "/hamlets/khom-1", nil, "admin"},
			{"POST", "/hamlets/khom-1", url.Values{"name": {"Khóm Một"}, "code": {"khom-1"}, "group_id": {"g1"}}, "admin"},
			{"POST", "/hamlets/khom-2/active", url.Values{"active": {"0"}}, "admin"},
			{"POST", "/hamlets/sync", nil, "admin"},
			{"GET", "/users", nil, "admin"},
			{"POST", "/users", url.Values{"username": {"moi"}, "role": {"editor"}, "password": {password}, "password2": {password}}, "admin"},
			{"POST", "/users/tacgia/active", url.Values{"active": {"0"}}, "admin"},
			{"POST", "/users/tacgia/password", url.Values{"password": {"trời nắng chang chang"}, "password2": {"trời nắng chang chang"}}, "admin"},
			{"GET", "/zalo", nil, "admin"},
			{"POST", "/zalo/connect", nil, "admin"},
			{"GET", "/zalo/callback?code=c&state=s", nil, "admin"},
		}
	}
	rank := map[string]int{"editor": 1, "approver": 2, "admin": 3}
	users := map[string]string{"editor": "bien", "approver": "duyet", "admin": "quantri"}
	for _, role := range []string{"anonymous", "editor", "approver", "admin"} {
		t.Run(role, func(t *testing.T) {
			s := newSite(t)
			pending := s.notice(notices.Notice{Title: "Chờ duyệt", Author: "tacgia"})
			other := s.notice(notices.Notice{Title: "Khác", Author: "tacgia"})
			b := s.browser()
			if role != "anonymous" {
				b.login(users[role])
			}
			for _, a := range actions(pending.ID, other.ID) {
				var resp *http.Response
				if a.method == "GET" {
					resp, _ = b.get(a.path)
				} else {
					form := url.Values{}
					for k, v := range a.form {
						form[k] = v
					}
					resp, _ = b.post(a.path, form)
				}
				loc := resp.Header.Get("Location")
				toLogin := resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login") ||
					resp.StatusCode == http.StatusUnauthorized
				switch {
				case role == "anonymous":
					if !toLogin {
						t.Errorf("%s %s as a stranger = %d %q; want a trip to /login", a.method, a.path, resp.StatusCode, loc)
					}
				case rank[role] >= rank[a.min]:
					if resp.StatusCode == http.StatusForbidden || toLogin || resp.StatusCode >= 500 {
						t.Errorf("%s %s as %s = %d %q; want allowed", a.method, a.path, role, resp.StatusCode, loc)
					}
				default:
					if resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s %s as %s = %d %q; want 403", a.method, a.path, role, resp.StatusCode, loc)
					}
				}
			}
		})
	}
}

func TestOwnNoticeRules(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	own := s.notice(notices.Notice{Title: "Của tôi", Author: "bien"})
	b := s.signedIn("bien")
	if resp, _ := b.post("/notices/"+strconv.FormatInt(own.ID, 10)+"/cancel", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an editor cancelling their own notice = %d; want 303", resp.StatusCode)
	}
	if n, _ := s.store.Notice(ctx, own.ID); n.Status != notices.StatusCancelled {
		t.Errorf("status after cancel = %s; want cancelled", n.Status)
	}
	// An approver may not approve their own notice …
	mine := s.notice(notices.Notice{Title: "Tự duyệt", Author: "duyet"})
	a := s.signedIn("duyet")
	_, body := a.get("/notices/" + strconv.FormatInt(mine.ID, 10))
	if !strings.Contains(body, "không tự duyệt được") || strings.Contains(body, "/approve") {
		t.Errorf("the author-approver is offered the approve button")
	}
	a.post("/notices/"+strconv.FormatInt(mine.ID, 10)+"/approve", s.versioned(mine.ID, nil))
	if n, _ := s.store.Notice(ctx, mine.ID); n.Status != notices.StatusPending {
		t.Errorf("self-approval: status %s; want pending", n.Status)
	}
	// … unless LOAXA_SELF_APPROVE.
	s2 := newSite(t, func(c *web.Config) { c.SelfApprove = true })
	mine2 := s2.notice(notices.Notice{Title: "Tự duyệt", Author: "duyet"})
	s2.signedIn("duyet").post("/notices/"+strconv.FormatInt(mine2.ID, 10)+"/approve", s2.versioned(mine2.ID, nil))
	if n, _ := s2.store.Notice(ctx, mine2.ID); n.Status != notices.StatusApproved {
		t.Errorf("self-approval with SelfApprove: status %s; want approved", n.Status)
	}
}

func TestLoginThrottling(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.get("/login")
	fail := func(b *browser, user string) (*http.Response, string) {
		return b.post("/login", url.Values{"username": {user}, "password": {"sai mật khẩu rồi"}})
	}
	for i := 1; i <= 5; i++ {
		resp, body := fail(b, "bien")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "không đúng") {
			t.Fatalf("failure %d = %d; want 401 with a plain message", i, resp.StatusCode)
		}
	}
	// Past the five free failures the pair waits 1 s, then 2 s, 4 s …
	resp, body := fail(b, "bien")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "hãy thử lại sau 08:00:01 (1 giây nữa)") {
		t.Fatalf("sixth failure = %d; want 429 saying when to try again (08:00:01)\n%s", resp.StatusCode, body)
	}
	// While waiting even the right password is not tried; another user is.
	if resp, _ := b.post("/login", url.Values{"username": {"bien"}, "password": {password}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while waiting = %d; want 429", resp.StatusCode)
	}
	if resp, _ := b.post("/login", url.Values{"username": {"duyet"}, "password": {password}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another user from the same address = %d; want 303", resp.StatusCode)
	}
	s.clock.Add(time.Second)
	b.get("/login") // a fresh form: the sign-in above used up the last one
	if resp, body := fail(b, "bien"); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "(2 giây nữa)") {
		t.Errorf("seventh failure = %d; want 429 with a 2 s wait\n%s", resp.StatusCode, body)
	}
	s.clock.Add(2 * time.Second)
	c := s.browser()
	c.get("/login")
	if resp, _ := c.post("/login", url.Values{"username": {"bien"}, "password": {password}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the wait = %d; want 303", resp.StatusCode)
	}

	// Per address: many user names from one address.
	s2 := newSite(t, func(c *web.Config) { c.AddrFailures = 8 })
	d := s2.browser()
	d.get("/login")
	for i := range 9 {
		fail(d, "khong-co-"+strconv.Itoa(i))
	}
	if resp, _ := d.post("/login", url.Values{"username": {"quantri"}, "password": {password}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after 9 failures from one address = %d; want 429", resp.StatusCode)
	}
}

func TestSessionFixation(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	u, _ := url.Parse(s.srv.URL)
	planted := &http.Cookie{Name: "loaxa_session", Value: "planted-by-attacker", Path: "/"}
	b.c.Jar.SetCookies(u, []*http.Cookie{planted})
	b.login("bien")
	first := b.cookie("loaxa_session")
	if first == "" || first == "planted-by-attacker" {
		t.Fatalf("session cookie after sign-in = %q; want a new one", first)
	}
	// Signing in again rotates the id and ends the old session.
	b.login("bien")
	second := b.cookie("loaxa_session")
	if second == first {
		t.Fatalf("session id kept across a second sign-in")
	}
	old := s.browser()
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: "loaxa_session", Value: first, Path: "/"}})
	if resp, _ := old.get("/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the replaced session still works: %d", resp.StatusCode)
	}
	// After sign-out the cookie value is worthless.
	if resp, _ := b.post("/logout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout = %d", resp.StatusCode)
	}
	stolen := s.browser()
	stolen.c.Jar.SetCookies(u, []*http.Cookie{{Name: "loaxa_session", Value: second, Path: "/"}})
	if resp, _ := stolen.get("/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("session after sign-out still works: %d", resp.StatusCode)
	}
}

func TestCookieFlags(t *testing.T) {
	proxy := netip.MustParsePrefix("127.0.0.1/32")
	s := newSite(t, func(c *web.Config) { c.TrustedProxies = []netip.Prefix{proxy} })
	b := s.browser()
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https") // the whole visit is behind the https proxy
	b.do(req)
	req, _ = http.NewRequest(http.MethodPost, s.srv.URL+"/login", strings.NewReader(url.Values{
		"username": {"bien"}, "password": {password}, "csrf_token": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, _ := b.do(req)
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name != "loaxa_session" {
			continue
		}
		found = true
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 {
			t.Errorf("session cookie %+v; want HttpOnly, Secure behind https, SameSite=Lax, an expiry", c)
		}
	}
	if !found {
		t.Fatalf("no session cookie set")
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts == "" {
		t.Errorf("no HSTS behind a trusted https proxy")
	}
	b2 := s.browser()
	b2.login("bien")
	u, _ := url.Parse(s.srv.URL)
	for _, c := range b2.c.Jar.Cookies(u) {
		if c.Name == "loaxa_session" && c.Secure {
			t.Errorf("Secure cookie over plain http")
		}
	}
	// X-Forwarded-Proto from a peer that is not a trusted proxy is ignored.
	s3 := newSite(t)
	b3 := s3.browser()
	req, _ = http.NewRequest(http.MethodGet, s3.srv.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, _ = b3.do(req)
	for _, c := range resp.Cookies() {
		if c.Secure {
			t.Errorf("cookie %s Secure on the word of an untrusted peer", c.Name)
		}
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS on the word of an untrusted peer")
	}
}
