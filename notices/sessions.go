package notices

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Staff sign-in state for the admin site: server-side sessions, failed
// sign-in counts for throttling, and OAuth flows in progress. The database
// keeps only a SHA-256 of each session's cookie value, so a copy of the
// database does not let anyone sign in.

// Session is a signed-in staff member's session.
type Session struct {
	User      User
	CSRFToken string // sent back in every state-changing form
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RandomToken returns 32 random bytes as base64url without padding.
func RandomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("notices: crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is how a cookie value is stored: hex SHA-256.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for user id that lasts ttl and returns the
// cookie value, which is stored only as a hash. The session named by
// replace (the cookie presented at sign-in, if any) is ended in the same
// transaction, so a session id is never carried across a sign-in
// (fixation). Expired sessions are swept. The sign-in is audited.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration, replace, address string) (token string, sess *Session, err error) {
	if ttl <= 0 {
		return "", nil, errors.New("create session: ttl must be positive")
	}
	token = RandomToken()
	err = s.commit(ctx, func(tx *txn) error {
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ? AND active = 1`, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get user %d: %w", userID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR id = ?`,
			fmtTime(tx.Now), tokenHash(replace)); err != nil {
			return fmt.Errorf("sweep sessions: %w", err)
		}
		sess = &Session{User: u, CSRFToken: RandomToken(), CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(ttl)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, tokenHash(token), u.ID, sess.CSRFToken, fmtTime(tx.Now), fmtTime(tx.Now),
			fmtTime(sess.ExpiresAt)); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		return tx.audit(ctx, u.Username, "user.login", 0, 0, address)
	})
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// SessionByToken returns the live session whose cookie value is token, with
// its user, or ErrNotFound when there is none, it has expired or its user
// is disabled.
func (s *Store) SessionByToken(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, ErrNotFound
	}
	var sess Session
	var created, expires sql.NullString
	row := s.db.QueryRowContext(ctx, `SELECT u.id, u.username, u.display_name, u.role, u.active, u.created_at, u.updated_at,
			s.csrf_token, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = ? AND s.expires_at > ? AND u.active = 1`, tokenHash(token), fmtTime(s.Now()))
	var ucreated, uupdated sql.NullString
	err := row.Scan(&sess.User.ID, &sess.User.Username, &sess.User.DisplayName, &sess.User.Role, &sess.User.Active,
		&ucreated, &uupdated, &sess.CSRFToken, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	var errs [4]error
	sess.User.CreatedAt, errs[0] = parseTime(ucreated)
	sess.User.UpdatedAt, errs[1] = parseTime(uupdated)
	sess.CreatedAt, errs[2] = parseTime(created)
	sess.ExpiresAt, errs[3] = parseTime(expires)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	return &sess, nil
}

// EndSession ends the session whose cookie value is token (sign-out); an
// unknown token is not an error. actor is audited when not empty.
func (s *Store) EndSession(ctx context.Context, token, actor string) error {
	return s.commit(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, tokenHash(token))
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 || actor == "" {
			return nil
		}
		return tx.audit(ctx, actor, "user.logout", 0, 0, "")
	})
}

// LoginLimit is a throttling rule for one kind of key (a user name, an
// address): after Max failures within Window, sign-in with that key is
// refused for Lockout.
type LoginLimit struct {
	Key     string // e.g. "user:lan" or "addr:10.0.0.7"
	Max     int
	Window  time.Duration
	Lockout time.Duration
}

// LoginLockedUntil returns the latest time until which any of keys is
// locked out, or the zero time when none is.
func (s *Store) LoginLockedUntil(ctx context.Context, keys ...string) (time.Time, error) {
	var until time.Time
	now := fmtTime(s.Now())
	for _, k := range keys {
		var lu sql.NullString
		err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE key = ? AND locked_until > ?`,
			k, now).Scan(&lu)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("check login lock %s: %w", k, err)
		}
		t, err := parseTime(lu)
		if err != nil {
			return time.Time{}, fmt.Errorf("check login lock %s: %w", k, err)
		}
		if t.After(until) {
			until = t
		}
	}
	return until, nil
}

// RecordLoginFailure counts a failed sign-in against each limit's key, in
// one transaction with an audit entry (actor is the user name typed, detail
// the address). It returns the latest lockout it started or extended, or
// the zero time.
func (s *Store) RecordLoginFailure(ctx context.Context, actor, detail string, limits ...LoginLimit) (time.Time, error) {
	var until time.Time
	actor = strings.TrimSpace(actor)
	if len(actor) > 40 {
		actor = actor[:40]
	}
	if actor == "" {
		actor = "?"
	}
	err := s.commit(ctx, func(tx *txn) error {
		until = time.Time{}
		for _, l := range limits {
			var failures int
			var first sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT failures, first_at FROM login_failures WHERE key = ?`, l.Key).
				Scan(&failures, &first)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("read login failures %s: %w", l.Key, err)
			}
			firstAt, _ := parseTime(first)
			if errors.Is(err, sql.ErrNoRows) || tx.Now.Sub(firstAt) >= l.Window {
				failures, firstAt = 0, tx.Now
			}
			failures++
			var locked any
			if failures >= l.Max {
				t := tx.Now.Add(l.Lockout)
				locked = fmtTime(t)
				if t.After(until) {
					until = t
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, failures, first_at, locked_until)
				VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
				first_at = excluded.first_at, locked_until = coalesce(excluded.locked_until, locked_until)`,
				l.Key, failures, fmtTime(firstAt), locked); err != nil {
				return fmt.Errorf("record login failure %s: %w", l.Key, err)
			}
		}
		return tx.audit(ctx, actor, "user.login_failed", 0, 0, detail)
	})
	return until, err
}

// ClearLoginFailures forgets the failures counted against keys, after a
// successful sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, keys ...string) error {
	return s.commit(ctx, func(tx *txn) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE key = ?`, k); err != nil {
				return fmt.Errorf("clear login failures %s: %w", k, err)
			}
		}
		return nil
	})
}

// SaveOAuthState records the PKCE verifier of a Zalo OAuth flow started by
// actor, keyed by its state nonce, and audits the start.
func (s *Store) SaveOAuthState(ctx context.Context, actor, state, verifier, redirectURI string) error {
	if state == "" || verifier == "" {
		return errors.New("save oauth state: state and verifier are required")
	}
	return s.commit(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO oauth_states (state, code_verifier, redirect_uri, created_at)
			VALUES (?, ?, ?, ?)`, state, verifier, redirectURI, fmtTime(tx.Now)); err != nil {
			return fmt.Errorf("save oauth state: %w", err)
		}
		return tx.audit(ctx, actor, "zalo.connect_start", 0, 0, "")
	})
}

// TakeOAuthState returns and forgets the verifier and redirect URI saved
// for state. A state unknown, used already or older than maxAge is
// ErrNotFound. Flows older than maxAge are swept.
func (s *Store) TakeOAuthState(ctx context.Context, state string, maxAge time.Duration) (verifier, redirectURI string, err error) {
	err = s.commit(ctx, func(tx *txn) error {
		oldest := fmtTime(tx.Now.Add(-maxAge))
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_states WHERE created_at < ?`, oldest); err != nil {
			return fmt.Errorf("sweep oauth states: %w", err)
		}
		err := tx.QueryRowContext(ctx, `SELECT code_verifier, redirect_uri FROM oauth_states WHERE state = ?`, state).
			Scan(&verifier, &redirectURI)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("take oauth state: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_states WHERE state = ?`, state); err != nil {
			return fmt.Errorf("take oauth state: %w", err)
		}
		return nil
	})
	return verifier, redirectURI, err
}
