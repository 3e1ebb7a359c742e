package bot_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
)

// sendOK installs a group message handler that answers success.
func sendOK(f *fakeZalo) {
	f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
		ok(w, map[string]any{"message_id": "m-" + r.Header.Get("access_token")})
	})
}

func TestProactiveRefreshStoresBeforeUse(t *testing.T) {
	for _, expiresIn := range []any{"90000", 90000} {
		t.Run(typeName(expiresIn), func(t *testing.T) {
			f := newFake(t)
			f.expiresIn = expiresIn
			store := &memStore{}
			store.set("access-0", "refresh-0", time.Now().Add(time.Hour)) // under the 5 h margin
			f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
				// The pair is durable before the new access token is used.
				if access, refresh, _ := store.get(); access != r.Header.Get("access_token") || refresh != "refresh-1" {
					t.Errorf("send with %q while the store holds %q/%q", r.Header.Get("access_token"), access, refresh)
				}
				ok(w, map[string]any{"message_id": "m1"})
			})
			c := newClient(t, f, store)
			if _, err := c.SendGroupText(context.Background(), "g1", "a"); err != nil {
				t.Fatal(err)
			}
			_, _, exp := store.get()
			if d := time.Until(exp); d < 24*time.Hour || d > 25*time.Hour {
				t.Errorf("stored expiry in %v; want about 25h", d)
			}
			if h := c.Health(); !h.Connected || !h.AccessExpiresAt.Equal(exp) || h.LastRefresh.IsZero() || h.LastError != "" {
				t.Errorf("Health() = %+v", h)
			}
			// The fresh token needs no further refresh.
			if _, err := c.SendGroupText(context.Background(), "g1", "b"); err != nil || f.refreshCount() != 1 {
				t.Fatalf("second send: err %v, refreshes %d; want nil, 1", err, f.refreshCount())
			}
		})
	}
}

func typeName(v any) string {
	if _, ok := v.(string); ok {
		return "expires_in string"
	}
	return "expires_in number"
}

func TestRejectedTokenRefreshesOnceAndRetriesOnce(t *testing.T) {
	f := newFake(t)
	sendOK(f)
	store := &memStore{}
	c := newClient(t, f, store)
	f.expireAll() // the stored access token is refused: -216
	id, err := c.SendGroupText(context.Background(), "g1", "a")
	if err != nil || id != "m-access-1" {
		t.Fatalf("SendGroupText = %q, %v; want m-access-1, nil", id, err)
	}
	if n, sends := f.refreshCount(), f.count("/v3.0/oa/group/message"); n != 1 || sends != 2 {
		t.Errorf("refreshes %d, send requests %d; want 1 and 2", n, sends)
	}

	// A token refused again right after the refresh: one refresh, one retry, then the error.
	f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"error": -220, "message": "Access token has expired"})
	})
	_, err = c.SendGroupText(context.Background(), "g1", "b")
	var ae *bot.APIError
	if !errors.As(err, &ae) || !ae.TokenExpired() {
		t.Fatalf("SendGroupText error = %v; want -220", err)
	}
	if n, sends := f.refreshCount(), f.count("/v3.0/oa/group/message"); n != 2 || sends != 4 {
		t.Errorf("refreshes %d, send requests %d; want 2 and 4", n, sends)
	}
}

func TestConcurrentRejectionsRefreshOnce(t *testing.T) {
	f := newFake(t)
	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("access_token")]++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		ok(w, map[string]any{"message_id": "m"})
	})
	c := newClient(t, f, &memStore{})
	// Warm up so every goroutine holds the same token, then expire it.
	if _, err := c.SendGroupText(context.Background(), "g1", "warm"); err != nil {
		t.Fatal(err)
	}
	f.expireAll()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Go(func() {
			_, err := c.SendGroupText(context.Background(), "g1", "x")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("SendGroupText: %v", err)
		}
	}
	if n := f.refreshCount(); n != 1 {
		t.Errorf("refreshes = %d; want 1 (a refresh token must never be spent twice)", n)
	}
	if seen["access-1"] != 40 {
		t.Errorf("sends with the new token = %d; want 40", seen["access-1"])
	}
}

func TestRefusedRefreshDisconnectsAndFailsFast(t *testing.T) {
	f := newFake(t)
	sendOK(f)
	store := &memStore{}
	store.set("access-0", "refresh-stale", time.Now().Add(time.Hour)) // Zalo no longer accepts this refresh token
	c := newClient(t, f, store)

	_, err := c.SendGroupText(context.Background(), "g1", "a")
	if !errors.Is(err, bot.ErrReconnect) || bot.ErrorClass(err) != bot.ClassDisconnected {
		t.Fatalf("SendGroupText error = %v; want ErrReconnect", err)
	}
	if !strings.Contains(err.Error(), "loaxa zalo connect") {
		t.Errorf("error %q does not say how to reconnect", err)
	}
	h := c.Health()
	if h.Connected || h.LastError == "" {
		t.Errorf("Health() = %+v; want disconnected with an error", h)
	}
	tokenCalls, sends := f.count("/v4/oa/access_token"), f.count("/v3.0/oa/group/message")
	for range 5 {
		if _, err := c.SendGroupText(context.Background(), "g1", "b"); !errors.Is(err, bot.ErrReconnect) {
			t.Fatalf("later SendGroupText error = %v; want ErrReconnect", err)
		}
		if _, err := c.ListGroups(context.Background()); !errors.Is(err, bot.ErrReconnect) {
			t.Fatalf("later ListGroups error = %v; want ErrReconnect", err)
		}
	}
	if f.count("/v4/oa/access_token") != tokenCalls || f.count("/v3.0/oa/group/message") != sends {
		t.Errorf("a disconnected client kept calling Zalo")
	}
	// Reload with the same refused pair changes nothing.
	if err := c.Reload(context.Background()); !errors.Is(err, bot.ErrReconnect) {
		t.Errorf("Reload with the refused pair = %v; want ErrReconnect", err)
	}

	// Another process (loaxa zalo connect) stores a new pair: Reload reconnects.
	store.set("access-0", "refresh-0", time.Now().Add(24*time.Hour))
	if err := c.Reload(context.Background()); err != nil {
		t.Fatalf("Reload = %v", err)
	}
	if _, err := c.SendGroupText(context.Background(), "g1", "c"); err != nil {
		t.Fatalf("SendGroupText after Reload = %v", err)
	}
	if h := c.Health(); !h.Connected || h.LastError != "" {
		t.Errorf("Health() after Reload = %+v; want connected", h)
	}
}

func TestExchangeCodeReconnects(t *testing.T) {
	f := newFake(t)
	sendOK(f)
	store := &memStore{}
	store.set("", "refresh-stale", time.Time{})
	c := newClient(t, f, store)
	if _, err := c.SendGroupText(context.Background(), "g1", "a"); !errors.Is(err, bot.ErrReconnect) {
		t.Fatalf("SendGroupText error = %v; want ErrReconnect", err)
	}
	verifier, _ := bot.NewPKCE()
	err := c.ExchangeCode(context.Background(), "bad-code", verifier)
	var ae *bot.APIError
	if !errors.As(err, &ae) || ae.Code != -14005 {
		t.Fatalf("ExchangeCode(bad) = %v; want -14005", err)
	}
	if err := c.ExchangeCode(context.Background(), "good-code", verifier); err != nil {
		t.Fatalf("ExchangeCode = %v", err)
	}
	if access, refresh, _ := store.get(); access != "access-1" || refresh != "refresh-1" {
		t.Errorf("stored pair = %q/%q; want access-1/refresh-1", access, refresh)
	}
	if id, err := c.SendGroupText(context.Background(), "g1", "b"); err != nil || id != "m-access-1" {
		t.Fatalf("SendGroupText after ExchangeCode = %q, %v", id, err)
	}
}

func TestNoTokensStored(t *testing.T) {
	f := newFake(t)
	sendOK(f)
	cfg := bot.Config{APIBase: f.srv.URL, OAuthBase: f.srv.URL, AppID: testAppID, AppSecret: testAppSecret}
	c := bot.NewClient(cfg, &memStore{}, testLogger(t))
	if _, err := c.SendGroupText(context.Background(), "g1", "a"); !errors.Is(err, bot.ErrNotConnected) {
		t.Fatalf("SendGroupText error = %v; want ErrNotConnected", err)
	}
	if err := c.Reload(context.Background()); !errors.Is(err, bot.ErrNotConnected) {
		t.Fatalf("Reload = %v; want ErrNotConnected", err)
	}
	if f.count("/v3.0/oa/group/message") != 0 {
		t.Errorf("sent without tokens")
	}
}

func TestFirstStartWithRefreshTokenOnly(t *testing.T) {
	// ZALO_REFRESH_TOKEN on first start: no access token yet.
	f := newFake(t)
	sendOK(f)
	store := &memStore{}
	store.set("", "refresh-0", time.Time{})
	c := newClient(t, f, store)
	if id, err := c.SendGroupText(context.Background(), "g1", "a"); err != nil || id != "m-access-1" {
		t.Fatalf("SendGroupText = %q, %v; want m-access-1, nil", id, err)
	}
}

func TestTransientRefreshFailureKeepsValidToken(t *testing.T) {
	f := newFake(t)
	sendOK(f)
	var fail sync.Mutex
	failing := true
	f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		fail.Lock()
		defer fail.Unlock()
		if failing {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	}
	store := &memStore{}
	store.set("access-0", "refresh-0", time.Now().Add(time.Hour))
	c := newClient(t, f, store)
	for range 3 {
		if id, err := c.SendGroupText(context.Background(), "g1", "a"); err != nil || id != "m-access-0" {
			t.Fatalf("SendGroupText = %q, %v; want the current token used", id, err)
		}
	}
	if n := f.count("/v4/oa/access_token"); n != 1 {
		t.Errorf("refresh attempts = %d; want 1 (then a cooldown)", n)
	}
	if h := c.Health(); !h.Connected || h.LastError == "" {
		t.Errorf("Health() = %+v; want connected with the last error", h)
	}

	// An expired token and a failing refresh: the call fails as transient, not disconnected.
	f.expireAll()
	_, err := c.SendGroupText(context.Background(), "g1", "b")
	if err == nil || errors.Is(err, bot.ErrReconnect) || bot.ErrorClass(err) != bot.ClassTransient {
		t.Fatalf("SendGroupText error = %v (class %v); want transient", err, bot.ErrorClass(err))
	}
	fail.Lock()
	failing = false
	fail.Unlock()
	if _, err := c.SendGroupText(context.Background(), "g1", "c"); err != nil {
		t.Fatalf("SendGroupText after recovery = %v", err)
	}
}

func TestFailedSaveHoldsThePairAndNeverRefreshesTwice(t *testing.T) {
	f := newFake(t)
	sendOK(f)
	store := &memStore{}
	store.set("access-0", "refresh-0", time.Now().Add(24*time.Hour))
	c := newClient(t, f, store)
	f.expireAll()
	store.setFailSave(errors.New("disk full"))
	if _, err := c.SendGroupText(context.Background(), "g1", "a"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("SendGroupText error = %v; want the save failure", err)
	}
	if _, err := c.SendGroupText(context.Background(), "g1", "b"); err == nil {
		t.Fatalf("SendGroupText with an unsaved pair succeeded; want it held until stored")
	}
	if h := c.Health(); h.Connected {
		t.Errorf("Health().Connected = true with an unsaved pair")
	}
	store.setFailSave(nil)
	if id, err := c.SendGroupText(context.Background(), "g1", "c"); err != nil || id != "m-access-1" {
		t.Fatalf("SendGroupText after the store recovered = %q, %v", id, err)
	}
	if n := f.refreshCount(); n != 1 {
		t.Errorf("refreshes = %d; want 1", n)
	}
	if _, refresh, _ := store.get(); refresh != "refresh-1" {
		t.Errorf("stored refresh token = %q; want refresh-1", refresh)
	}
}

func TestNewerPairInStoreIsUsedInsteadOfRefreshing(t *testing.T) {
	f := newFake(t)
	sendOK(f)
	store := &memStore{}
	store.set("access-0", "refresh-0", time.Now().Add(24*time.Hour))
	c := newClient(t, f, store)
	if _, err := c.SendGroupText(context.Background(), "g1", "a"); err != nil {
		t.Fatal(err)
	}
	// Another process rotated the pair (access-0 is gone at Zalo's side).
	f.mu.Lock()
	f.valid = map[string]bool{"access-9": true}
	f.refresh = "refresh-9"
	f.mu.Unlock()
	store.set("access-9", "refresh-9", time.Now().Add(24*time.Hour))
	if id, err := c.SendGroupText(context.Background(), "g1", "b"); err != nil || id != "m-access-9" {
		t.Fatalf("SendGroupText = %q, %v; want m-access-9", id, err)
	}
	if n := f.refreshCount(); n != 0 {
		t.Errorf("refreshes = %d; want 0", n)
	}
}
