package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

var hcm = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// password is every test account's password.
const password = "mưa chiều nay to"

// clock is a settable clock for the store and the site.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeZalo is a Zalo client that records what the site asked of it.
type fakeZalo struct {
	mu       sync.Mutex
	health   bot.TokenHealth
	groups   []bot.Group
	codes    []string // code + " " + verifier
	reloaded int
}

func (f *fakeZalo) Health() bot.TokenHealth {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.health
}

func (f *fakeZalo) AuthURL(redirectURI, challenge, state string) string {
	return "https://oauth.zalo.test/v4/oa/permission?app_id=1&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&code_challenge=" + url.QueryEscape(challenge) + "&state=" + url.QueryEscape(state)
}

func (f *fakeZalo) ExchangeCode(ctx context.Context, code, verifier string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes = append(f.codes, code+" "+verifier)
	f.health.Connected = true
	return nil
}

func (f *fakeZalo) Reload(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reloaded++
	return nil
}

func (f *fakeZalo) ListGroups(ctx context.Context) ([]bot.Group, error) {
	return f.groups, nil
}

// site is the web server on a temporary database, with one account per
// role and two hamlets.
type site struct {
	t     *testing.T
	store *notices.Store
	srv   *httptest.Server
	clock *clock
	zalo  *fakeZalo
}

func newSite(t *testing.T, mod ...func(*web.Config)) *site {
	t.Helper()
	return newSiteOn(t, nil, mod...)
}

// newSiteOn is newSite whose Zalo client is z (nil: the fakeZalo).
func newSiteOn(t *testing.T, z web.Zalo, mod ...func(*web.Config)) *site {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	store, err := notices.Open(ctx, filepath.Join(t.TempDir(), "loaxa.db"),
		notices.Options{Now: clk.Now, Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for _, u := range []notices.User{
		{Username: "bien", DisplayName: "Biên", Role: notices.RoleEditor},
		{Username: "tacgia", DisplayName: "Tác giả", Role: notices.RoleEditor},
		{Username: "duyet", DisplayName: "Duyệt", Role: notices.RoleApprover},
		{Username: "quantri", DisplayName: "Quản trị", Role: notices.RoleAdmin},
	} {
		if err := store.CreateUser(ctx, "test", &u, password); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range []notices.Hamlet{{Code: "khom-1", Name: "Khóm 1", GroupID: "g1"}, {Code: "khom-2", Name: "Khóm 2", GroupID: "g2"}} {
		if err := store.CreateHamlet(ctx, "test", &h); err != nil {
			t.Fatal(err)
		}
	}
	fz := &fakeZalo{health: bot.TokenHealth{Connected: true, AccessExpiresAt: clk.Now().Add(20 * time.Hour)},
		groups: []bot.Group{{GroupID: "g1", Name: "Khóm 1"}, {GroupID: "g3", Name: "Ấp Mới"}}}
	cfg := web.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm", Now: clk.Now}
	for _, m := range mod {
		m(&cfg)
	}
	if z == nil {
		z = fz
	}
	s, err := web.New(cfg, store, z, log)
	if err != nil {
		t.Fatal(err)
	}
	// An https base URL is served over TLS, so that Secure cookies travel.
	srv := httptest.NewUnstartedServer(s)
	if strings.HasPrefix(cfg.BaseURL, "https://") {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &site{t: t, store: store, srv: srv, clock: clk, zalo: fz}
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	site *site
	c    *http.Client
	csrf string // the last csrf_token seen on a page
	xff  string // sent as X-Forwarded-For: the browser behind a proxy
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, site: s, c: &http.Client{Jar: jar, Transport: s.srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// behind returns a browser whose requests arrive through a proxy that
// says they came from addr.
func (s *site) behind(addr string) *browser {
	b := s.browser()
	b.xff = addr
	return b
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends a request and returns the answer with its body read.
func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	if b.xff != "" && req.Header.Get("X-Forwarded-For") == "" {
		req.Header.Set("X-Forwarded-For", b.xff)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.site.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form; it adds the last CSRF token seen unless the form has
// csrf_token (use "-" to send none).
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	switch form.Get("csrf_token") {
	case "":
		form.Set("csrf_token", b.csrf)
	case "-":
		form.Del("csrf_token")
	}
	req, _ := http.NewRequest(http.MethodPost, b.site.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in as user and fails the test otherwise.
func (b *browser) login(user string) {
	b.t.Helper()
	b.get("/login")
	resp, body := b.post("/login", url.Values{"username": {user}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login %s: %d\n%s", user, resp.StatusCode, body)
	}
	b.get("/dashboard") // a page with the session's CSRF token
}

// signedIn returns a browser signed in as user.
func (s *site) signedIn(user string) *browser {
	b := s.browser()
	b.login(user)
	return b
}

// cookie returns the browser's value of cookie name.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.site.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// notice creates a notice directly in the store.
func (s *site) notice(n notices.Notice) *notices.Notice {
	s.t.Helper()
	if n.Source == "" {
		n.Source = notices.SourceWeb
	}
	if n.Body == "" {
		n.Body = "Nội dung"
	}
	if err := s.store.CreateNotice(context.Background(), &n); err != nil {
		s.t.Fatal(err)
	}
	return &n
}

// send materialises notice id to both hamlets and records each outcome.
func (s *site) send(id int64, outcome ...notices.DeliveryState) {
	s.t.Helper()
	ctx := context.Background()
	hs, err := s.store.Hamlets(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	var ts []notices.Target
	for _, h := range hs {
		ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID})
	}
	now := s.clock.Now()
	if _, err := s.store.Materialise(ctx, notices.OccurrencePlan{NoticeID: id, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: ts[:len(outcome)], LastDueAt: now}); err != nil {
		s.t.Fatal(err)
	}
	jobs, err := s.store.ClaimJobs(ctx, now.Add(time.Minute), 100, 2)
	if err != nil {
		s.t.Fatal(err)
	}
	var rs []notices.Result
	for i, j := range jobs {
		r := notices.Result{ID: j.ID, Status: outcome[i], At: now}
		if r.Status == notices.DeliverySent {
			r.MessageID = "m" + j.GroupID
		} else {
			r.Code, r.Error = -403, "OA không còn trong nhóm <b>\"Khóm\"</b>"
		}
		rs = append(rs, r)
	}
	if err := s.store.Record(ctx, rs); err != nil {
		s.t.Fatal(err)
	}
}
