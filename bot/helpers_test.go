package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/rs/zerolog"
)

// memStore is a tiny in-memory TokenStore.
type memStore struct {
	mu        sync.Mutex
	access    string
	refresh   string
	expiresAt time.Time
	saves     int
	failSave  error
}

func (s *memStore) LoadZaloTokens(ctx context.Context) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access, s.refresh, s.expiresAt, nil
}

func (s *memStore) SaveZaloTokens(ctx context.Context, access, refresh string, exp time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSave != nil {
		return s.failSave
	}
	s.access, s.refresh, s.expiresAt = access, refresh, exp
	s.saves++
	return nil
}

// memStore is one process's memory, which no crash outlives: it keeps no
// refresh journal, no save time and no cross-process lock (journalStore
// and lockingStore do).
func (s *memStore) ZaloTokensSavedAt(context.Context) (time.Time, error) { return time.Time{}, nil }
func (s *memStore) BeginZaloRefresh(context.Context) (time.Time, error)  { return time.Time{}, nil }
func (s *memStore) EndZaloRefresh(context.Context) error                 { return nil }
func (s *memStore) ZaloRefreshInterrupted(context.Context) (time.Time, error) {
	return time.Time{}, nil
}
func (s *memStore) LockZaloRefresh(context.Context) (func(), error) { return func() {}, nil }

func (s *memStore) set(access, refresh string, exp time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access, s.refresh, s.expiresAt = access, refresh, exp
}

func (s *memStore) get() (string, string, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access, s.refresh, s.expiresAt
}

func (s *memStore) setFailSave(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failSave = err
}

// fakeZalo is an httptest server for unit tests: a token endpoint that
// rotates pairs and refuses spent refresh tokens, and API paths that check
// the access_token header before calling the handler a test installs.
type fakeZalo struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	valid     map[string]bool // access tokens that work
	refresh   string          // the one refresh token that works
	n         int
	refreshes int
	requests  map[string]int // per path
	expiresIn any
	tokenHook func(w http.ResponseWriter, r *http.Request) bool // returns true when it answered
	api       map[string]http.HandlerFunc
}

const (
	testAppID     = "app-123"
	testAppSecret = "app-secret-SHOULD-NOT-LEAK"
)

func newFake(t *testing.T) *fakeZalo {
	t.Helper()
	f := &fakeZalo{t: t, valid: map[string]bool{"access-0": true}, refresh: "refresh-0",
		requests: map[string]int{}, expiresIn: "90000", api: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeZalo) handle(path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.api[path] = h
}

func (f *fakeZalo) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}

func (f *fakeZalo) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests[r.URL.Path]++
	f.mu.Unlock()
	if r.URL.Path == "/v4/oa/access_token" {
		f.serveToken(w, r)
		return
	}
	f.mu.Lock()
	h := f.api[r.URL.Path]
	ok := f.valid[r.Header.Get("access_token")]
	f.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	if !ok {
		writeJSON(w, map[string]any{"error": -216, "message": "Access token is invalid"})
		return
	}
	h(w, r)
}

func (f *fakeZalo) serveToken(w http.ResponseWriter, r *http.Request) {
	t := f.t
	if r.Method != http.MethodPost {
		t.Errorf("token endpoint: method = %s; want POST", r.Method)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		t.Errorf("token endpoint: Content-Type = %q; want a form", ct)
	}
	if got := r.Header.Get("secret_key"); got != testAppSecret {
		t.Errorf("token endpoint: secret_key header = %q; want the app secret", got)
	}
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if r.PostForm.Get("secret_key") != "" || r.URL.Query().Get("refresh_token") != "" {
		t.Errorf("token endpoint: secrets must travel in the header and the form body only")
	}
	if got := r.PostForm.Get("app_id"); got != testAppID {
		t.Errorf("token endpoint: app_id = %q; want %q", got, testAppID)
	}
	f.mu.Lock()
	hook := f.tokenHook
	f.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		if r.PostForm.Get("refresh_token") != f.refresh {
			writeJSON(w, map[string]any{"error": -14014, "error_name": "invalid_grant", "error_reason": "Invalid refresh token"})
			return
		}
	case "authorization_code":
		if r.PostForm.Get("code") != "good-code" || r.PostForm.Get("code_verifier") == "" {
			writeJSON(w, map[string]any{"error": -14005, "error_reason": "Invalid code"})
			return
		}
	default:
		t.Errorf("token endpoint: grant_type = %q", r.PostForm.Get("grant_type"))
	}
	f.n++
	f.refreshes++
	at, rt := fmt.Sprintf("access-%d", f.n), fmt.Sprintf("refresh-%d", f.n)
	f.valid[at] = true
	f.refresh = rt
	writeJSON(w, map[string]any{"access_token": at, "refresh_token": rt, "expires_in": f.expiresIn})
}

// expireAll makes every access token issued so far invalid.
func (f *fakeZalo) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid = map[string]bool{}
}

func (f *fakeZalo) refreshCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// ok writes a success envelope around data.
func ok(w http.ResponseWriter, data any) {
	writeJSON(w, map[string]any{"error": 0, "message": "Success", "data": data})
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type clientOpt func(*bot.Config)

// newClient connects a client to f with a valid stored pair.
func newClient(t *testing.T, f *fakeZalo, store *memStore, opts ...clientOpt) *bot.Client {
	t.Helper()
	if store.refresh == "" && store.access == "" {
		store.set("access-0", "refresh-0", time.Now().Add(24*time.Hour))
	}
	cfg := bot.Config{APIBase: f.srv.URL, OAuthBase: f.srv.URL, AppID: testAppID, AppSecret: testAppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	return bot.NewClient(cfg, store, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.TraceLevel))
}

func isOutcomeUnknown(err error) bool { return errors.Is(err, bot.ErrOutcomeUnknown) }

func testLogger(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.TraceLevel)
}
