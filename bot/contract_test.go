package bot_test

// The contract suite: the client against the simulator (zalosim), which
// follows zalo-oa-api.md and is checked field by field against it on its own
// side. Every operation and every error class goes through real HTTP.

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

type simOpt func(*bot.Config)

// newSimClient connects a client to the simulator with its initial pair.
func newSimClient(t *testing.T, fake *zalosimtest.Server, opts ...simOpt) (*bot.Client, *memStore) {
	t.Helper()
	store := &memStore{}
	store.set(fake.AccessToken, fake.RefreshToken, time.Now().Add(24*time.Hour))
	cfg := bot.Config{APIBase: fake.URL, OAuthBase: fake.URL, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	return bot.NewClient(cfg, store, testLogger(t)), store
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestContractOperations(t *testing.T) {
	fake := zalosimtest.New(t)
	c, _ := newSimClient(t, fake)
	ctx := context.Background()

	groups, err := c.ListGroups(ctx)
	if err != nil {
		t.Fatalf("ListGroups: %v", err)
	}
	want := fake.Groups()
	if len(groups) != len(want) || len(want) == 0 {
		t.Fatalf("ListGroups = %d groups; want %d", len(groups), len(want))
	}
	for i := range want {
		if groups[i].GroupID != want[i].ID || groups[i].Name != want[i].Name {
			t.Errorf("ListGroups[%d] = %s %q; want %s %q", i, groups[i].GroupID, groups[i].Name, want[i].ID, want[i].Name)
		}
	}
	gid := want[0].ID

	info, err := c.GroupInfo(ctx, gid)
	if err != nil || info.GroupID != gid || info.Name != want[0].Name {
		t.Fatalf("GroupInfo(%s) = %+v, %v", gid, info, err)
	}

	textID, err := c.SendGroupText(ctx, gid, "📢 THÔNG BÁO\nHọp thôn 19h tối nay")
	if err != nil || textID == "" {
		t.Fatalf("SendGroupText = %q, %v", textID, err)
	}
	att, err := c.UploadImage(ctx, "ban-do.png", pngBytes(t))
	if err != nil || att == "" {
		t.Fatalf("UploadImage = %q, %v", att, err)
	}
	imgID, err := c.SendGroupImage(ctx, gid, att, "Bản đồ điểm tiêm")
	if err != nil || imgID == "" {
		t.Fatalf("SendGroupImage = %q, %v", imgID, err)
	}

	msgs := fake.Messages(gid)
	if len(msgs) != 2 || msgs[0].ID != textID || msgs[1].ID != imgID || msgs[1].AttachmentID != att ||
		msgs[0].Text != "📢 THÔNG BÁO\nHọp thôn 19h tối nay" || msgs[1].Text != "Bản đồ điểm tiêm" {
		t.Fatalf("simulator holds %+v; want the text then the image", msgs)
	}

	items, err := c.GroupConversation(ctx, gid, 10)
	if err != nil {
		t.Fatalf("GroupConversation: %v", err)
	}
	if len(items) < 2 || items[0].MessageID != imgID || items[1].MessageID != textID || !items[1].FromOA() ||
		items[1].Time.IsZero() || !strings.Contains(items[1].Message, "Họp thôn") {
		t.Fatalf("GroupConversation = %+v; want the image then the text, newest first", items)
	}
	if !items[0].IsPhoto() || items[0].Description != "Bản đồ điểm tiêm" || items[0].Message != "" || items[1].IsPhoto() {
		t.Errorf("history items %+v; want a photo with its caption in description, then a text", items[:2])
	}
}

func TestContractErrorClasses(t *testing.T) {
	long := strings.Repeat("a", notices.MaxMessageRunes+1) // Zalo's limit, after NFC
	tests := []struct {
		name    string
		setup   func(fake *zalosimtest.Server)
		group   string // "" = the first default group
		text    string
		class   bot.Class
		code    int
		unknown bool
		stored  bool // the simulator recorded the message anyway
	}{
		{name: "5xx", setup: func(f *zalosimtest.Server) { f.FailNext(1, zalosim.Fault5xx) }, class: bot.ClassTransient},
		{name: "-200", setup: func(f *zalosimtest.Server) { f.FailNext(1, zalosim.FaultSendFailed) }, class: bot.ClassTransient, code: -200},
		{name: "-32", setup: func(f *zalosimtest.Server) { f.FailNext(1, zalosim.FaultCode(zalosim.CodeRateLimited)) },
			class: bot.ClassRateLimited, code: -32},
		{name: "-403 unknown group", group: "not-our-group", class: bot.ClassPermanentGroup, code: -403},
		{name: "-237 disabled group", setup: func(f *zalosimtest.Server) { f.AddGroup(zalosim.Group{ID: "g-off", Name: "Tắt", Disabled: true}) },
			group: "g-off", class: bot.ClassPermanentGroup, code: -237},
		{name: "-248 content policy", setup: func(f *zalosimtest.Server) { f.FailNext(1, zalosim.FaultCode(zalosim.CodeContentPolicy)) },
			class: bot.ClassContent, code: -248},
		{name: "oversize text", text: long, class: bot.ClassContent, code: -210},
		{name: "lost answer", setup: func(f *zalosimtest.Server) { f.FailNext(1, zalosim.FaultLostAnswer) },
			class: bot.ClassTransient, unknown: true, stored: true},
		{name: "slow answer", setup: func(f *zalosimtest.Server) { f.FailNext(1, zalosim.FaultSlow.Taking(2*time.Second)) },
			class: bot.ClassTransient, unknown: true, stored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := zalosimtest.New(t)
			c, _ := newSimClient(t, fake, func(cfg *bot.Config) { cfg.Timeout = 500 * time.Millisecond })
			if tt.setup != nil {
				tt.setup(fake)
			}
			gid := tt.group
			if gid == "" {
				gid = fake.Groups()[0].ID
			}
			text := tt.text
			if text == "" {
				text = "Thông báo " + tt.name
			}
			_, err := c.SendGroupText(context.Background(), gid, text)
			if got := bot.ErrorClass(err); got != tt.class {
				t.Fatalf("SendGroupText error = %v, class %v; want %v", err, got, tt.class)
			}
			if got := isOutcomeUnknown(err); got != tt.unknown {
				t.Errorf("outcome unknown = %v; want %v (%v)", got, tt.unknown, err)
			}
			var ae *bot.APIError
			if tt.code != 0 && (!errors.As(err, &ae) || ae.Code != tt.code) {
				t.Errorf("error = %v; want Zalo code %d", err, tt.code)
			}
			if r := bot.Reason(err); r == "" {
				t.Errorf("Reason(%v) is empty", err)
			}
			if tt.unknown {
				time.Sleep(2 * time.Second) // let a slow answer land
			}
			stored := false
			for _, m := range fake.AllMessages() {
				stored = stored || m.Text == text
			}
			if stored != tt.stored {
				t.Errorf("simulator holds the message: %v; want %v", stored, tt.stored)
			}
			if !tt.unknown {
				return
			}
			// The dispatcher's reconciliation: the message is in the history.
			items, err := c.GroupConversation(context.Background(), gid, 5)
			if err != nil || len(items) == 0 || items[0].Message != text {
				t.Errorf("GroupConversation = %+v, %v; want the message first", items, err)
			}
		})
	}
}

func TestContractRotation(t *testing.T) {
	const rounds = 50
	tests := []struct {
		name  string
		opts  []zalosim.Option
		ahead time.Duration
		each  func(fake *zalosimtest.Server)
	}{
		// Zalo rejects the token each round: -220, refresh, retry.
		{name: "after -220", each: func(f *zalosimtest.Server) { f.ExpireAccessTokens() }},
		// A short token life under the RefreshAhead margin: a refresh before every call.
		{name: "ahead of expiry", opts: []zalosim.Option{zalosim.WithTokenTTL(time.Hour)}, ahead: 2 * time.Hour},
		{name: "expires_in as a number", ahead: 2 * time.Hour, opts: []zalosim.Option{zalosim.WithTokenTTL(time.Hour),
			zalosim.WithConfig(func(c *zalosim.Config) { c.ExpiresInNumber = true })}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := zalosimtest.New(t, tt.opts...)
			c, store := newSimClient(t, fake, func(cfg *bot.Config) { cfg.RefreshAhead = tt.ahead })
			if tt.ahead > 0 { // the initial pair has the short life too
				store.set(fake.AccessToken, fake.RefreshToken, time.Now().Add(time.Hour))
			}
			gid := fake.Groups()[0].ID
			for i := range rounds {
				if tt.each != nil {
					tt.each(fake)
				}
				if _, err := c.SendGroupText(context.Background(), gid, "vòng "+string(rune('A'+i%26))); err != nil {
					t.Fatalf("round %d: %v", i, err)
				}
			}
			if got := fake.Stats().Refreshes; got != rounds {
				t.Errorf("refreshes = %d; want %d", got, rounds)
			}
			creds := fake.Credentials()
			if access, refresh, _ := store.get(); access != creds.AccessToken || refresh != creds.RefreshToken {
				t.Errorf("the store does not hold the simulator's current pair")
			}
			if h := c.Health(); !h.Connected || h.LastError != "" {
				t.Errorf("Health() = %+v; want connected", h)
			}
		})
	}
}

func TestContractRefreshRacingSends(t *testing.T) {
	fake := zalosimtest.New(t)
	c, store := newSimClient(t, fake)
	gid := fake.Groups()[0].ID
	ctx := context.Background()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.SendGroupText(ctx, gid, "song song"); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for range 10 {
		time.Sleep(50 * time.Millisecond)
		fake.ExpireAccessTokens()
	}
	time.Sleep(30 * time.Millisecond)
	close(stop)
	wg.Wait()
	// A send may still see -220 when the simulator expires the token again
	// between its refresh and its one retry (the client refreshes once per
	// call, by design). Anything else, ErrReconnect above all, is a failure.
	for _, err := range errs {
		var ae *bot.APIError
		if !errors.As(err, &ae) || !ae.TokenExpired() {
			t.Errorf("send during refreshes: %v", err)
		}
	}
	if _, err := c.SendGroupText(ctx, gid, "sau cơn bão"); err != nil {
		t.Errorf("send after the refreshes: %v", err)
	}
	st := fake.Stats()
	if st.Refreshes < 1 || st.Refreshes > 10 {
		t.Errorf("refreshes = %d; want between 1 and 10 (one per expiry at most)", st.Refreshes)
	}
	if h := c.Health(); !h.Connected {
		t.Errorf("Health() = %+v; a refresh token was spent twice", h)
	}
	if _, refresh, _ := store.get(); refresh != fake.Credentials().RefreshToken {
		t.Errorf("the store does not hold the current refresh token")
	}
	t.Logf("%d sends, %d refreshes, %d token refusals, %d sends refused twice", st.Sends, st.Refreshes, st.TokenRefused, len(errs))
}

func TestContractSharedRateLimit(t *testing.T) {
	const perMin = 1200 // 20/s allowed; the client paces at 98 %
	fake := zalosimtest.New(t, zalosim.WithRatePerMin(perMin))
	c, _ := newSimClient(t, fake, func(cfg *bot.Config) { cfg.RatePerMin = perMin })
	gid := fake.Groups()[0].ID
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := c.SendGroupText(ctx, gid, "nhịp")
				if errors.Is(err, context.DeadlineExceeded) {
					return
				}
				if err != nil {
					t.Errorf("send: %v", err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	st := fake.Stats()
	if st.RateLimited != 0 {
		t.Errorf("-32 answers = %d; want 0", st.RateLimited)
	}
	// One shared limit: the six senders together go at the configured pace,
	// not six times it, and use at least 97 % of it.
	allowed := float64(perMin) * elapsed.Minutes()
	if got := float64(st.Sends); got < 0.97*allowed-1 || got > allowed+1 {
		t.Errorf("%d sends in %v; want about %.0f (97–100 %% of %d/min)", st.Sends, elapsed, allowed, perMin)
	}
}

func TestContractRateLimitedSlowsDown(t *testing.T) {
	// The OA's package allows less than the client was told: Zalo answers -32.
	fake := zalosimtest.New(t, zalosim.WithRatePerMin(5))
	c, _ := newSimClient(t, fake, func(cfg *bot.Config) { cfg.RatePerMin = 6000 })
	gid := fake.Groups()[0].ID
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = c.SendGroupText(context.Background(), gid, "nhanh")
	}
	var ae *bot.APIError
	if !errors.As(err, &ae) || !ae.RateLimited() || !ae.Transient() {
		t.Fatalf("error = %v; want -32", err)
	}
	// The next call waits for the pause instead of hammering Zalo.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	before := fake.Stats().Requests
	_, err = c.SendGroupText(ctx, gid, "chờ")
	if !errors.Is(err, context.DeadlineExceeded) || fake.Stats().Requests != before {
		t.Errorf("call right after -32 = %v; want it held back by the client", err)
	}
}

func TestContractRefusedRefreshThenReconnect(t *testing.T) {
	fake := zalosimtest.New(t)
	c, store := newSimClient(t, fake)
	gid := fake.Groups()[0].ID
	ctx := context.Background()
	if _, err := c.SendGroupText(ctx, gid, "trước"); err != nil {
		t.Fatal(err)
	}
	fake.RevokeRefreshToken() // the OA admin removed the app
	fake.ExpireAccessTokens()

	_, err := c.SendGroupText(ctx, gid, "sau")
	if !errors.Is(err, bot.ErrReconnect) || bot.ErrorClass(err) != bot.ClassDisconnected {
		t.Fatalf("SendGroupText error = %v; want ErrReconnect", err)
	}
	if h := c.Health(); h.Connected || h.LastError == "" {
		t.Errorf("Health() = %+v; want disconnected", h)
	}
	before := fake.Stats().Requests
	for range 20 {
		if _, err := c.SendGroupText(ctx, gid, "sau"); !errors.Is(err, bot.ErrReconnect) {
			t.Fatalf("SendGroupText error = %v; want ErrReconnect", err)
		}
	}
	if got := fake.Stats().Requests; got != before {
		t.Errorf("a disconnected client made %d requests; want none", got-before)
	}

	// Reconnect through the OAuth v4 PKCE flow.
	verifier, challenge := bot.NewPKCE()
	code := authorize(t, c.AuthURL("http://127.0.0.1/zalo/callback", challenge, "st-1")+"&auto=1", "st-1")
	if err := c.ExchangeCode(ctx, code, "wrong-verifier-wrong-verifier-wrong-verif"); err == nil {
		t.Fatalf("ExchangeCode with a wrong verifier succeeded")
	}
	code = authorize(t, c.AuthURL("http://127.0.0.1/zalo/callback", challenge, "st-2")+"&auto=1", "st-2")
	if err := c.ExchangeCode(ctx, code, verifier); err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	if _, refresh, _ := store.get(); refresh != fake.Credentials().RefreshToken {
		t.Errorf("the store does not hold the new pair")
	}
	if _, err := c.SendGroupText(ctx, gid, "kết nối lại"); err != nil {
		t.Fatalf("SendGroupText after reconnecting: %v", err)
	}
	if h := c.Health(); !h.Connected {
		t.Errorf("Health() = %+v; want connected", h)
	}
}

// authorize opens the simulator's permission page, which redirects at once
// with auto=1, and returns the code from the callback URL.
func authorize(t *testing.T, authURL, state string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("permission page: HTTP %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != state || loc.Query().Get("code") == "" {
		t.Fatalf("callback %s; want a code and state %s", loc, state)
	}
	return loc.Query().Get("code")
}

func TestContractReadsSurviveFaults(t *testing.T) {
	fake := zalosimtest.New(t)
	c, _ := newSimClient(t, fake)
	gid := fake.Groups()[0].ID
	fake.FailNext(1, zalosim.Fault5xx.On(zalosim.PathConversation))
	_, err := c.GroupConversation(context.Background(), gid, 5)
	if bot.ErrorClass(err) != bot.ClassTransient || isOutcomeUnknown(err) {
		t.Fatalf("GroupConversation error = %v; want transient, not outcome unknown", err)
	}
	fake.FailNext(1, zalosim.FaultLostAnswer.On(zalosim.PathUploadImage))
	_, err = c.UploadImage(context.Background(), "a.png", pngBytes(t))
	var te *bot.TransportError
	if !errors.As(err, &te) || isOutcomeUnknown(err) {
		t.Fatalf("UploadImage error = %v; want a transport error, not outcome unknown", err)
	}
	if _, err := c.GroupConversation(context.Background(), gid, 5); err != nil {
		t.Fatalf("GroupConversation after the faults: %v", err)
	}
}
