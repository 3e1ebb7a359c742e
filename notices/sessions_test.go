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
	got, err := s.SessionByToken(ctx, tok)
	if err != nil || got.User.ID != u.ID || got.CSRFToken != sess.CSRFToken {
		t.Fatalf("SessionByToken = %+v, %v; want the session of lan", got, err)
	}
	if _, err := s.SessionByToken(ctx, tok+"x"); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("SessionByToken(wrong) = %v; want ErrNotFound", err)
	}

	// A sign-in replaces the session presented with it.
	tok2, _, err := s.CreateSession(ctx, u.ID, time.Hour, tok, "10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, tok); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("old session after a new sign-in: %v; want ErrNotFound", err)
	}
	if err := s.EndSession(ctx, tok2, "lan"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, tok2); !errors.Is(err, notices.ErrNotFound) {
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
	if _, err := s.SessionByToken(ctx, tok4); !errors.Is(err, notices.ErrNotFound) {
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
	if _, err := s.SessionByToken(ctx, tok); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("session at its expiry: %v; want ErrNotFound", err)
	}
}

func TestLoginThrottle(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	lim := notices.LoginLimit{Key: "user:lan", Max: 3, Window: 15 * time.Minute, Lockout: 10 * time.Minute}
	for i := 1; i <= 2; i++ {
		until, err := s.RecordLoginFailure(ctx, "lan", "10.0.0.7", lim)
		if err != nil || !until.IsZero() {
			t.Fatalf("failure %d: until %v, %v; want no lockout", i, until, err)
		}
	}
	until, err := s.RecordLoginFailure(ctx, "lan", "10.0.0.7", lim)
	if err != nil || !until.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("third failure: until %v, %v; want %v", until, err, now.Add(10*time.Minute))
	}
	if got, _ := s.LoginLockedUntil(ctx, "addr:x", "user:lan"); !got.Equal(until) {
		t.Errorf("LoginLockedUntil = %v; want %v", got, until)
	}
	now = now.Add(11 * time.Minute)
	if got, _ := s.LoginLockedUntil(ctx, "user:lan"); !got.IsZero() {
		t.Errorf("LoginLockedUntil after the lockout = %v; want zero", got)
	}
	// The window restarted: one more failure does not lock.
	now = now.Add(15 * time.Minute)
	if until, _ := s.RecordLoginFailure(ctx, "lan", "", lim); !until.IsZero() {
		t.Errorf("failure in a new window locked until %v", until)
	}
	if err := s.ClearLoginFailures(ctx, "user:lan"); err != nil {
		t.Fatal(err)
	}
}

func TestOAuthStates(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	if err := s.SaveOAuthState(ctx, "admin", "st1", "verifier1", "https://x/cb"); err != nil {
		t.Fatal(err)
	}
	v, r, err := s.TakeOAuthState(ctx, "st1", 10*time.Minute)
	if err != nil || v != "verifier1" || r != "https://x/cb" {
		t.Fatalf("TakeOAuthState = %q, %q, %v", v, r, err)
	}
	if _, _, err := s.TakeOAuthState(ctx, "st1", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("second TakeOAuthState = %v; want ErrNotFound", err)
	}
	if err := s.SaveOAuthState(ctx, "admin", "st2", "verifier2", ""); err != nil {
		t.Fatal(err)
	}
	now = now.Add(11 * time.Minute)
	if _, _, err := s.TakeOAuthState(ctx, "st2", 10*time.Minute); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("stale TakeOAuthState = %v; want ErrNotFound", err)
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
