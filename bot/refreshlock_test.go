package bot_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// lockingStore is a journalStore shared by several clients, as the database
// is shared by several processes, with the cross-process refresh lock.
type lockingStore struct {
	*journalStore
	sem chan struct{}
}

func newLockingStore(fake *zalosimtest.Server) *lockingStore {
	s := &lockingStore{journalStore: &journalStore{}, sem: make(chan struct{}, 1)}
	s.set(fake.AccessToken, fake.RefreshToken, time.Now().Add(24*time.Hour))
	return s
}

func (s *lockingStore) LockZaloRefresh(ctx context.Context) (func(), error) {
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Several clients on one store — the daemon and CLI commands, each with
// its own memory — all meet -220 at once, over and over, against a strict
// simulator: under the refresh lock exactly one rotates each time, the
// others adopt its pair, and no refresh token is ever presented twice.
func TestClientsSharingAStoreNeverReuseARefreshToken(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithConfig(func(c *zalosim.Config) { c.RevokeOnReuse = true }))
	store := newLockingStore(fake)
	var clients []*bot.Client
	for range 4 {
		clients = append(clients, bot.NewClient(bot.Config{APIBase: fake.URL, OAuthBase: fake.URL, AppID: fake.AppID,
			AppSecret: fake.AppSecret, RatePerMin: -1, Timeout: 5 * time.Second}, store, testLogger(t)))
	}
	gid := fake.Groups()[0].ID
	const rounds = 40
	var failed atomic.Int32
	for round := range rounds {
		fake.ExpireAccessTokens()
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.SendGroupText(context.Background(), gid, fmt.Sprintf("vòng %d, tiến trình %d", round, i)); err != nil {
					failed.Add(1)
					t.Logf("round %d client %d: %v", round, i, err)
				}
			}()
		}
		wg.Wait()
	}
	st := fake.Stats()
	if st.ReusedRefresh != 0 || st.ChainRevocations != 0 {
		t.Errorf("simulator saw %d reused refresh tokens; want 0", st.ReusedRefresh)
	}
	if st.Refreshes != rounds {
		t.Errorf("refreshes = %d; want %d, one per expiry", st.Refreshes, rounds)
	}
	if n := failed.Load(); n != 0 {
		t.Errorf("%d sends failed; want 0", n)
	}
	for i, c := range clients {
		if !c.Health().Connected {
			t.Errorf("client %d disconnected: %s", i, c.Health().LastError)
		}
	}
}

// A 4xx page without a Zalo error body on the token endpoint (a proxy, a
// firewall) is no proof that the refresh token was spent: the stored pair
// is kept, the OA stays connected, the alarm is up (Health, an error-level
// log line), and a later refresh against the healthy endpoint succeeds.
func TestTokenEndpointPageThatIsNotZalosKeepsTheConnection(t *testing.T) {
	fake := zalosimtest.New(t)
	var mode atomic.Value // "403", "404" or "" (healthy)
	mode.Store("403")
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == zalosim.PathAccessToken {
			switch mode.Load().(string) {
			case "403":
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, "<html><body><h1>403 Forbidden</h1>Request blocked by the firewall.</body></html>")
				return
			case "404":
				w.WriteHeader(http.StatusNotFound)
				return
			}
		}
		fake.Server.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	var logBuf syncWriter
	store := &journalStore{}
	// Due for a proactive refresh, still valid.
	store.set(fake.AccessToken, fake.RefreshToken, time.Now().Add(time.Minute))
	c := bot.NewClient(bot.Config{APIBase: proxy.URL, OAuthBase: proxy.URL, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, zerolog.New(&logBuf))
	gid := fake.Groups()[0].ID
	ctx := context.Background()

	// 403 text/html on a proactive refresh: the valid token is used.
	if _, err := c.SendGroupText(ctx, gid, "một"); err != nil {
		t.Fatalf("send while the token endpoint answers a 403 page = %v; want the current token used", err)
	}
	check := func(stage string) {
		t.Helper()
		h := c.Health()
		if !h.Connected || !h.RefreshFailing {
			t.Errorf("%s: Health = %+v; want connected, refresh failing", stage, h)
		}
		if !strings.Contains(h.LastError, "not Zalo's") {
			t.Errorf("%s: LastError = %q; want it to say the answer is not Zalo's", stage, h.LastError)
		}
		if _, r, _ := store.get(); r != fake.RefreshToken {
			t.Errorf("%s: the stored refresh token changed", stage)
		}
		if store.marked() {
			t.Errorf("%s: the refresh mark was kept; want it cleared (the request was turned away)", stage)
		}
		if !strings.Contains(logBuf.String(), `"level":"error"`) || !strings.Contains(logBuf.String(), "not Zalo's") {
			t.Errorf("%s: no error-level log line about the answer that is not Zalo's:\n%s", stage, logBuf.String())
		}
	}
	check("403")

	// 404 with an empty body on a forced refresh (-220): the send fails,
	// as a transient error to retry, not as a disconnection.
	mode.Store("404")
	fake.ExpireAccessTokens()
	_, err := c.SendGroupText(ctx, gid, "hai")
	if err == nil || errors.Is(err, bot.ErrReconnect) || bot.ErrorClass(err) != bot.ClassTransient {
		t.Fatalf("send with a 404 on the forced refresh = %v (class %v); want a transient error", err, bot.ErrorClass(err))
	}
	if !errors.Is(err, bot.ErrNotZaloAnswer) {
		t.Errorf("error %v does not match ErrNotZaloAnswer", err)
	}
	check("404")
	if got := fake.Stats().Refreshes; got != 0 {
		t.Fatalf("simulator refreshes = %d while the proxy answered; want 0", got)
	}

	// The endpoint is healthy again: the next call refreshes and sends.
	mode.Store("")
	if _, err := c.SendGroupText(ctx, gid, "ba"); err != nil {
		t.Fatalf("send after the endpoint recovered = %v", err)
	}
	if h := c.Health(); !h.Connected || h.RefreshFailing || h.LastError != "" {
		t.Errorf("after recovery: Health = %+v; want connected, no alarm", h)
	}
	if _, r, _ := store.get(); r != fake.Credentials().RefreshToken {
		t.Error("the rotated pair was not stored")
	}
}

type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// The headers go on the wire in Zalo's documented spelling, "access_token"
// and "secret_key", not Go's canonical "Access_token" and "Secret_key". A
// raw TCP listener reads the bytes as they arrive.
func TestHeadersOnTheWireAreSpelledAsDocumented(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var raws []string
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					var head strings.Builder
					length := 0
					for {
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						head.WriteString(line)
						if k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ":"); ok && strings.EqualFold(k, "Content-Length") {
							length, _ = strconv.Atoi(strings.TrimSpace(v))
						}
						if line == "\r\n" {
							break
						}
					}
					body := make([]byte, length)
					if _, err := io.ReadFull(br, body); err != nil {
						return
					}
					raw := head.String() + string(body)
					mu.Lock()
					raws = append(raws, raw)
					mu.Unlock()
					answer := `{"data":{"message_id":"81d74a9cd71d6f473608"},"error":0,"message":"Success"}`
					if strings.HasPrefix(raw, "POST "+zalosim.PathAccessToken) {
						answer = `{"access_token":"at-2","refresh_token":"rt-2","expires_in":"90000"}`
					}
					fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(answer), answer)
				}
			}()
		}
	}()
	base := "http://" + ln.Addr().String()
	store := &memStore{}
	store.set("at-1", "rt-1", time.Now().Add(-time.Minute)) // expired: refresh first
	c := bot.NewClient(bot.Config{APIBase: base, OAuthBase: base, AppID: "app", AppSecret: "the-app-secret",
		RatePerMin: -1, Timeout: 5 * time.Second}, store, testLogger(t))
	if _, err := c.SendGroupText(context.Background(), "f414c8f76fa586fbdfb4", "Họp thôn"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(raws) != 2 {
		t.Fatalf("%d requests on the wire; want 2 (refresh, send)", len(raws))
	}
	for i, want := range []string{"\r\nsecret_key: the-app-secret\r\n", "\r\naccess_token: at-2\r\n"} {
		if !strings.Contains(raws[i], want) {
			t.Errorf("request %d lacks %q on the wire:\n%s", i, want, raws[i])
		}
	}
	for i, bad := range []string{"Secret_key", "Access_token"} {
		if strings.Contains(raws[i], bad) {
			t.Errorf("request %d carries Go's canonical %q:\n%s", i, bad, raws[i])
		}
	}
}
