package notices

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
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
	ID        string // the stored hash of the cookie value; names the session, signs nobody in
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
		return tx.auditIn(ctx, u.CommuneID, u.Username, "user.login", 0, 0, address)
	})
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// SessionByToken returns the live session whose cookie value is token, with
// its user, or ErrNotFound when there is none, it has expired, it has not
// been used for idle (when idle > 0) or its user is disabled. Using a
// session keeps it alive: its last use is stored, at most once a minute
// (touchEvery), often enough for a short idle too.
func (s *Store) SessionByToken(ctx context.Context, token string, idle time.Duration) (*Session, error) {
	if token == "" {
		return nil, ErrNotFound
	}
	now := s.Now()
	sess := Session{ID: tokenHash(token)}
	var created, expires, seen sql.NullString
	row := s.db.QueryRowContext(ctx, `SELECT u.id, u.username, u.display_name, u.role, u.active, u.created_at, u.updated_at,
			s.csrf_token, s.created_at, s.expires_at, s.last_seen_at,
			coalesce(u.commune_id, 0), coalesce((SELECT c.code FROM communes c WHERE c.id = u.commune_id), '*')
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = ? AND s.expires_at > ? AND u.active = 1`, sess.ID, fmtTime(now))
	var ucreated, uupdated sql.NullString
	err := row.Scan(&sess.User.ID, &sess.User.Username, &sess.User.DisplayName, &sess.User.Role, &sess.User.Active,
		&ucreated, &uupdated, &sess.CSRFToken, &created, &expires, &seen, &sess.User.CommuneID, &sess.User.Commune)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	var errs [5]error
	var lastSeen time.Time
	sess.User.CreatedAt, errs[0] = parseTime(ucreated)
	sess.User.UpdatedAt, errs[1] = parseTime(uupdated)
	sess.CreatedAt, errs[2] = parseTime(created)
	sess.ExpiresAt, errs[3] = parseTime(expires)
	lastSeen, errs[4] = parseTime(seen)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	if idle > 0 && !now.Before(lastSeen.Add(idle)) {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, sess.ID); err != nil {
			return nil, fmt.Errorf("end idle session: %w", err)
		}
		return nil, ErrNotFound
	}
	if now.Sub(lastSeen) >= touchEvery(idle) {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`,
			fmtTime(now), sess.ID); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return &sess, nil
}

// touchEvery is how stale a session's stored last use may get before a
// request writes it again: a minute, or a quarter of idle when that is
// shorter, so that a session in use never looks idle (an idle of one
// minute with a write once a minute would sign out a busy user).
func touchEvery(idle time.Duration) time.Duration {
	if idle > 0 && idle/4 < time.Minute {
		return idle / 4
	}
	return time.Minute
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
		return tx.auditAccount(ctx, actor, actor, "user.logout", "")
	})
}

// SaveOAuthState records the PKCE verifier of a Zalo OAuth flow started by
// actor in session sessionID, keyed by its state nonce, and audits the
// start: a flow for the only commune (SaveOAuthStateFor with 0).
func (s *Store) SaveOAuthState(ctx context.Context, actor, sessionID, state, verifier, redirectURI string) error {
	return s.SaveOAuthStateFor(ctx, actor, sessionID, 0, state, verifier, redirectURI)
}

// SaveOAuthStateFor is SaveOAuthState for the OA of commune communeID; 0:
// the only commune (the row's commune_id is NULL). The start is audited
// as that commune's.
func (s *Store) SaveOAuthStateFor(ctx context.Context, actor, sessionID string, communeID int64, state, verifier, redirectURI string) error {
	if state == "" || verifier == "" {
		return errors.New("save oauth state: state and verifier are required")
	}
	var commune any
	if communeID != 0 {
		commune = communeID
	}
	return s.commit(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO oauth_states (state, code_verifier, redirect_uri, created_at,
			actor, session_id, commune_id) VALUES (?, ?, ?, ?, ?, ?, ?)`, state, verifier, redirectURI, fmtTime(tx.Now),
			actor, sessionID, commune); err != nil {
			return fmt.Errorf("save oauth state: %w", err)
		}
		if communeID != 0 {
			return tx.auditIn(ctx, communeID, actor, "zalo.connect_start", 0, 0, "")
		}
		return tx.audit(ctx, actor, "zalo.connect_start", 0, 0, "")
	})
}

// TakeOAuthState returns and forgets the verifier and redirect URI saved
// for state. A state is used once: it is forgotten whoever presents it. It
// is ErrNotFound when unknown, used already, older than maxAge, or started
// by another admin or in another session (a callback link planted by
// someone else). Flows older than maxAge are swept. It is the only
// commune's: a flow started for one commune of several is ErrNotFound.
func (s *Store) TakeOAuthState(ctx context.Context, state, actor, sessionID string, maxAge time.Duration) (verifier, redirectURI string, err error) {
	verifier, redirectURI, communeID, err := s.TakeOAuthStateFor(ctx, state, actor, sessionID, maxAge)
	if err == nil && communeID != 0 {
		return "", "", ErrNotFound
	}
	return verifier, redirectURI, err
}

// TakeOAuthStateFor is TakeOAuthState that also returns the commune the
// flow was started for (0: the only commune, a row from before schema 16
// or of SaveOAuthState), even with the ErrNotFound of a flow another
// admin or session started: the caller checks that the signed-in account
// may act for that commune, and answers "not found" for another's.
func (s *Store) TakeOAuthStateFor(ctx context.Context, state, actor, sessionID string, maxAge time.Duration) (verifier, redirectURI string, communeID int64, err error) {
	var stranger bool
	err = s.commit(ctx, func(tx *txn) error {
		stranger = false
		oldest := fmtTime(tx.Now.Add(-maxAge))
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_states WHERE created_at < ?`, oldest); err != nil {
			return fmt.Errorf("sweep oauth states: %w", err)
		}
		var owner, session string
		var commune sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT code_verifier, redirect_uri, actor, session_id, commune_id FROM oauth_states
			WHERE state = ?`, state).Scan(&verifier, &redirectURI, &owner, &session, &commune)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("take oauth state: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_states WHERE state = ?`, state); err != nil {
			return fmt.Errorf("take oauth state: %w", err)
		}
		communeID = commune.Int64
		if owner == "" || session == "" || !strings.EqualFold(owner, actor) ||
			subtle.ConstantTimeCompare([]byte(session), []byte(sessionID)) != 1 {
			// Spent all the same (the deletion commits), and the caller
			// sees no difference from an unknown state.
			stranger = true
		}
		return nil
	})
	if err == nil && stranger {
		return "", "", communeID, ErrNotFound
	}
	if err != nil {
		return "", "", 0, err
	}
	return verifier, redirectURI, communeID, nil
}
