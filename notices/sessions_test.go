package notices_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

func addUser(t *testing.T, s *notices.Store, name string, role notices.Role) *notices.User {
	t.Helper()
	u := &notices.User{Username: name, Role: role}
	if err := s.CreateUser(context.Background(), "test", u, "mưa chiều nay to"); err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	u := addUser(t, s, "lan", notices.RoleEditor)

	tok, sess, err := s.CreateSession(ctx, u.ID, time.Hour, "", "10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	if sess.CSRFToken == "" || sess.User.Username != "lan" || !sess.ExpiresAt.Equal(fixedNow.Add(time.Hour)) {
		t.Fatalf("CreateSession = %+v", sess)
	}
	got, err := s.SessionByToken(ctx, tok, 0)
	if err != nil || got.User.ID != u.ID || got.CSRFToken != sess.CSRFToken {
		t.Fatalf("SessionByToken = %+v, %v; want the session of lan", got, err)
	}
	if _, err := s.SessionByToken(ctx, tok+"x", 0); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("SessionByToken(wrong) = %v; want ErrNotFound", err)
	}

	// A sign-in replaces the session presented with it.
	tok2, _, err := s.CreateSession(ctx, u.ID, time.Hour, tok, "10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, tok, 0); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("old session after a new sign-in: %v; want ErrNotFound", err)
	}
	if err := s.EndSession(ctx, tok2, "lan"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, tok2, 0); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("session after sign-out: %v; want ErrNotFound", err)
	}

	// Expired, and a disabled user's.
	tok3, _, err := s.CreateSession(ctx, u.ID, time.Second, "", "")
	if err != nil {
		t.Fatal(err)
	}
	_ = tok3
	tok4, _, _ := s.CreateSession(ctx, u.ID, time.Hour, "", "")
	if err := s.SetUserActive(ctx, "admin", "lan", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, tok4, 0); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("session of a disabled user: %v; want ErrNotFound", err)
	}
	if _, _, err := s.CreateSession(ctx, u.ID, time.Hour, "", ""); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("CreateSession(disabled) = %v; want ErrNotFound", err)
	}
	es, err := s.Audit(ctx, notices.AuditFilter{Action: "user."})
	if err != nil {
		t.Fatal(err)
	}
	var logins, logouts int
	for _, e := range es {
		switch e.Action {
		case "user.login":
			logins++
		case "user.logout":
			logouts++
		}
	}
	if logins != 4 || logouts != 1 {
		t.Errorf("audit: %d logins, %d logouts; want 4, 1", logins, logouts)
	}
}

func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	u := addUser(t, s, "lan", notices.RoleEditor)
	tok, _, err := s.CreateSession(ctx, u.ID, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if _, err := s.SessionByToken(ctx, tok, 0); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("session at its expiry: %v; want ErrNotFound", err)
	}
}

func TestLoginThrottle(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	pair := notices.LoginLimit{Key: "pair:lan 10.0.0.7", Free: 2, Base: time.Second, Max: 10 * time.Second,
		Forget: time.Hour, User: "lan", Address: "10.0.0.7"}
	user := notices.LoginLimit{Key: "user:lan", Forget: time.Hour, User: "lan"} // counted, never waits
	// Two free failures, then 1 s, 2 s, 4 s, 8 s, 10 s (the cap), 10 s.
	for i, want := range []time.Duration{0, 0, 1, 2, 4, 8, 10, 10} {
		until, counts, err := s.RecordLoginFailure(ctx, "lan", "10.0.0.7", pair, user)
		if err != nil {
			t.Fatal(err)
		}
		if w := want * time.Second; w == 0 && !until.IsZero() || w > 0 && !until.Equal(now.Add(w)) {
			t.Errorf("failure %d: wait until %v; want %v after now", i+1, until, w)
		}
		if counts[0] != i+1 || counts[1] != i+1 {
			t.Errorf("failure %d: counts %v", i+1, counts)
		}
	}
	if got, _ := s.LoginLockedUntil(ctx, "addr:x", pair.Key, user.Key); !got.Equal(now.Add(10 * time.Second)) {
		t.Errorf("LoginLockedUntil = %v; want 10 s from now", got)
	}
	if got, _ := s.LoginLockedUntil(ctx, user.Key); !got.IsZero() {
		t.Errorf("the user name alone waits until %v; want never", got)
	}
	ts, err := s.LoginTargets(ctx, 5, now.Add(-time.Hour))
	if err != nil || len(ts) != 1 || ts[0].User != "lan" || ts[0].Failures != 8 || ts[0].Addresses != 1 {
		t.Errorf("LoginTargets = %+v, %v; want lan with 8 failures from 1 address", ts, err)
	}
	now = now.Add(11 * time.Second)
	if got, _ := s.LoginLockedUntil(ctx, pair.Key); !got.IsZero() {
		t.Errorf("LoginLockedUntil after the wait = %v; want zero", got)
	}
	// An hour with no failure: forgotten, the free failures start again.
	now = now.Add(time.Hour)
	if until, counts, _ := s.RecordLoginFailure(ctx, "lan", "", pair); !until.IsZero() || counts[0] != 1 {
		t.Errorf("failure after a quiet hour: wait until %v, count %v; want none, 1", until, counts)
	}
	if ts, _ := s.LoginTargets(ctx, 5, now.Add(-time.Hour)); len(ts) != 0 {
		t.Errorf("LoginTargets after a quiet hour = %+v; want none", ts)
	}
	if err := s.ClearLoginFailures(ctx, pair.Key); err != nil {
		t.Fatal(err)
	}
	if until, counts, _ := s.RecordLoginFailure(ctx, "lan", "", pair); !until.IsZero() || counts[0] != 1 {
		t.Errorf("failure after clearing: wait until %v, count %v; want none, 1", until, counts)
	}
}

func TestOAuthStates(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	if err := s.SaveOAuthState(ctx, "admin", "sess-a", "st1", "verifier1", "https://x/cb"); err != nil {
		t.Fatal(err)
	}
	v, r, err := s.TakeOAuthState(ctx, "st1", "admin", "sess-a", 10*time.Minute)
	if err != nil || v != "verifier1" || r != "https://x/cb" {
		t.Fatalf("TakeOAuthState = %q, %q, %v", v, r, err)
	}
	if _, _, err := s.TakeOAuthState(ctx, "st1", "admin", "sess-a", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("second TakeOAuthState = %v; want ErrNotFound", err)
	}
	// Another session, or another admin, cannot use it, and spends it.
	for i, who := range [][2]string{{"admin", "sess-b"}, {"other", "sess-a"}} {
		st := "st-x" + string(rune('0'+i))
		if err := s.SaveOAuthState(ctx, "admin", "sess-a", st, "v", ""); err != nil {
			t.Fatal(err)
		}
		if v, _, err := s.TakeOAuthState(ctx, st, who[0], who[1], 10*time.Minute); !errors.Is(err, notices.ErrNotFound) || v != "" {
			t.Errorf("TakeOAuthState by %v = %q, %v; want ErrNotFound", who, v, err)
		}
		if _, _, err := s.TakeOAuthState(ctx, st, "admin", "sess-a", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) {
			t.Errorf("TakeOAuthState after a stranger's try = %v; want ErrNotFound (spent)", err)
		}
	}
	if err := s.SaveOAuthState(ctx, "admin", "sess-a", "st2", "verifier2", ""); err != nil {
		t.Fatal(err)
	}
	now = now.Add(11 * time.Minute)
	if _, _, err := s.TakeOAuthState(ctx, "st2", "admin", "sess-a", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("stale TakeOAuthState = %v; want ErrNotFound", err)
	}
}

func TestSessionIdle(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	u := addUser(t, s, "lan", notices.RoleEditor)
	tok, _, err := s.CreateSession(ctx, u.ID, 12*time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	// Used every 90 minutes, it lives on past the idle limit of 2 h …
	for i := 0; i < 4; i++ {
		now = now.Add(90 * time.Minute)
		if _, err := s.SessionByToken(ctx, tok, 2*time.Hour); err != nil {
			t.Fatalf("use %d after 90 min: %v", i+1, err)
		}
	}
	// … and ends after 2 h unused.
	now = now.Add(2 * time.Hour)
	if _, err := s.SessionByToken(ctx, tok, 2*time.Hour); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("session idle for 2 h: %v; want ErrNotFound", err)
	}
	if _, err := s.SessionByToken(ctx, tok, 0); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("idle session still stored: %v; want it ended", err)
	}
}

// openStoreClock opens a fresh store on the clock now.
func openStoreClock(t testing.TB, now func() time.Time) *notices.Store {
	t.Helper()
	s, err := notices.Open(context.Background(), filepath.Join(t.TempDir(), "loaxa.db"), notices.Options{
		Now: now, Location: hcm, Logger: zerolog.New(zerolog.NewTestWriter(t)), PasswordCost: bcrypt.MinCost,
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestBeginLoginReserves: an attempt is counted before its password is
// checked; a key that must wait refuses without counting; a success takes
// its reserved failure back, wait included.
func TestBeginLoginReserves(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	pair := notices.LoginLimit{Key: "pair:lan 10.0.0.7", Free: 2, Base: time.Second, Max: 10 * time.Second,
		Forget: time.Hour, User: "lan", Address: "10.0.0.7"}
	addr := notices.LoginLimit{Key: "addr:10.0.0.7", Free: 3, Base: time.Second, Max: 10 * time.Second,
		Forget: time.Hour, Address: "10.0.0.7"}
	for i := range 3 {
		att, wait, err := s.BeginLogin(ctx, pair, addr)
		if err != nil || att == nil || !wait.IsZero() {
			t.Fatalf("attempt %d: %+v, %v, %v; want reserved", i+1, att, wait, err)
		}
		if att.Counts[0] != i+1 || att.Counts[1] != i+1 {
			t.Errorf("attempt %d: counts %v", i+1, att.Counts)
		}
		if i == 2 && !att.Until.Equal(now.Add(time.Second)) {
			t.Errorf("third attempt would wait until %v; want 1 s", att.Until)
		}
	}
	att, wait, err := s.BeginLogin(ctx, pair, addr)
	if err != nil || att != nil || !wait.Equal(now.Add(time.Second)) {
		t.Fatalf("attempt while waiting: %+v, %v, %v; want refused until 1 s from now", att, wait, err)
	}
	now = now.Add(2 * time.Second)
	// The fourth attempt would start the address's first wait; it succeeds,
	// so the address is back to three failures and no wait.
	att, _, err = s.BeginLogin(ctx, pair, addr)
	if err != nil || att == nil || att.Counts[1] != 4 || !att.Until.Equal(now.Add(2*time.Second)) {
		t.Fatalf("fourth attempt: %+v, %v", att, err)
	}
	if err := s.LoginSucceeded(ctx, att, pair.Key); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LoginLockedUntil(ctx, pair.Key, addr.Key); !got.IsZero() {
		t.Errorf("after a success the keys wait until %v; want no wait", got)
	}
	att, _, err = s.BeginLogin(ctx, pair, addr)
	if err != nil || att == nil || att.Counts[0] != 1 || att.Counts[1] != 4 {
		t.Errorf("after a success: %+v, %v; want the pair forgiven (1) and the address's 3 failures kept (4)", att, err)
	}
}
