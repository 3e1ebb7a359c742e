package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sign-in throttling (OWASP ASVS L1 §2.2.1). Failed sign-ins are counted
// per key: a (user name, address) pair and an address. Past a few free
// failures each further failure makes the key wait twice as long as the
// last, up to a cap: a guesser gets a handful of tries an hour, while a
// user name is never locked from every address, so that a stranger cannot
// shut staff out by typing their name. Failures per user name alone are
// counted only to tell staff which accounts are under attack.

// LoginLimit is the throttling rule of one key. After Free failures, the
// next failure makes the key wait Base, the one after 2×Base, and so on up
// to Max. Failures are forgotten Forget after the last one. A zero Base
// counts failures without ever making anyone wait.
type LoginLimit struct {
	Key     string // e.g. "pair:lan 10.0.0.7", "addr:10.0.0.7", "user:lan"
	Free    int
	Base    time.Duration
	Max     time.Duration
	Forget  time.Duration
	User    string // the user name typed, kept for LoginTargets
	Address string // the client address, kept for LoginTargets
}

// wait is how long the key waits after its nth failure.
func (l LoginLimit) wait(n int) time.Duration {
	if l.Base <= 0 || n <= l.Free {
		return 0
	}
	d := l.Base
	for i := l.Free + 1; i < n && d < l.Max; i++ {
		d *= 2
	}
	return min(d, l.Max)
}

// LoginLockedUntil returns the latest time until which any of keys must
// wait, or the zero time when none must.
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
			return time.Time{}, fmt.Errorf("check login wait %s: %w", k, err)
		}
		t, err := parseTime(lu)
		if err != nil {
			return time.Time{}, fmt.Errorf("check login wait %s: %w", k, err)
		}
		if t.After(until) {
			until = t
		}
	}
	return until, nil
}

// RecordLoginFailure counts a failed sign-in against each limit's key, in
// one transaction with an audit entry (actor is the user name typed, detail
// the address). It returns the latest wait it started, or the zero time,
// and the failures now counted against each key, in the order given. Keys
// quiet for longer than their Forget are swept.
func (s *Store) RecordLoginFailure(ctx context.Context, actor, detail string, limits ...LoginLimit) (time.Time, []int, error) {
	var until time.Time
	var counts []int
	err := s.commit(ctx, func(tx *txn) error {
		var err error
		until, counts, _, err = tx.countFailure(ctx, limits)
		if err != nil {
			return err
		}
		return tx.auditAccount(ctx, actor, auditActor(actor), "user.login_failed", detail)
	})
	return until, counts, err
}

// LoginAttempt is a sign-in attempt reserved by BeginLogin: counted as a
// failure before its password is checked, so that attempts made at the
// same moment cannot all pass the throttle before any of them is counted.
type LoginAttempt struct {
	Until  time.Time // the wait this attempt started, if it fails; zero: none
	Counts []int     // failures now counted against each limit's key, in order
	undo   []undoFailure
}

// undoFailure is how to take one reserved failure back.
type undoFailure struct {
	key              string
	prevLocked, mine sql.NullString // locked_until before the reservation, and as it set it
}

// BeginLogin reserves a sign-in attempt under limits, atomically (one write
// transaction): when a key with a wait (Base > 0) must still wait, it
// returns nil and the latest time until which it must, writing nothing;
// otherwise it counts the attempt as a failure of every key, as
// RecordLoginFailure would, and returns it. The caller then checks the
// password, once, and calls LoginFailed or LoginSucceeded.
func (s *Store) BeginLogin(ctx context.Context, limits ...LoginLimit) (*LoginAttempt, time.Time, error) {
	var att *LoginAttempt
	var wait time.Time
	err := s.commit(ctx, func(tx *txn) error {
		att, wait = nil, time.Time{}
		now := fmtTime(tx.Now)
		for _, l := range limits {
			if l.Base <= 0 {
				continue
			}
			var lu sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE key = ? AND locked_until > ?`,
				l.Key, now).Scan(&lu)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("check login wait %s: %w", l.Key, err)
			}
			t, err := parseTime(lu)
			if err != nil {
				return fmt.Errorf("check login wait %s: %w", l.Key, err)
			}
			if t.After(wait) {
				wait = t
			}
		}
		if !wait.IsZero() {
			return nil
		}
		until, counts, undo, err := tx.countFailure(ctx, limits)
		if err != nil {
			return err
		}
		att = &LoginAttempt{Until: until, Counts: counts, undo: undo}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return att, wait, nil
}

// LoginFailed audits a reserved attempt whose password was wrong (actor is
// the user name typed, detail the address); its failure stays counted.
func (s *Store) LoginFailed(ctx context.Context, actor, detail string) error {
	return s.commit(ctx, func(tx *txn) error {
		return tx.auditAccount(ctx, actor, auditActor(actor), "user.login_failed", detail)
	})
}

// LoginSucceeded takes back the failure a reserved attempt counted
// (restoring a wait it started, unless a later failure has changed it) and
// forgets every failure of the keys in clear.
func (s *Store) LoginSucceeded(ctx context.Context, att *LoginAttempt, clear ...string) error {
	return s.commit(ctx, func(tx *txn) error {
		for _, u := range att.undo {
			if _, err := tx.ExecContext(ctx, `UPDATE login_failures SET failures = max(failures - 1, 0),
					locked_until = CASE WHEN locked_until IS ? THEN ? ELSE locked_until END WHERE key = ?`,
				u.mine, u.prevLocked, u.key); err != nil {
				return fmt.Errorf("undo login failure %s: %w", u.key, err)
			}
		}
		for _, k := range clear {
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE key = ?`, k); err != nil {
				return fmt.Errorf("clear login failures %s: %w", k, err)
			}
		}
		return nil
	})
}

// countFailure counts one failure against each limit's key; see
// RecordLoginFailure.
func (tx *txn) countFailure(ctx context.Context, limits []LoginLimit) (time.Time, []int, []undoFailure, error) {
	var until time.Time
	counts := make([]int, len(limits))
	undo := make([]undoFailure, len(limits))
	for i, l := range limits {
		var failures int
		var last, prev sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT failures, coalesce(last_at, first_at), locked_until FROM login_failures
			WHERE key = ?`, l.Key).Scan(&failures, &last, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return until, nil, nil, fmt.Errorf("read login failures %s: %w", l.Key, err)
		}
		lastAt, _ := parseTime(last)
		if errors.Is(err, sql.ErrNoRows) || tx.Now.Sub(lastAt) >= l.Forget {
			failures = 0
		}
		failures++
		counts[i] = failures
		var locked sql.NullString
		if w := l.wait(failures); w > 0 {
			t := tx.Now.Add(w)
			locked = sql.NullString{String: fmtTime(t).(string), Valid: true}
			if t.After(until) {
				until = t
			}
		}
		undo[i] = undoFailure{key: l.Key, prevLocked: prev, mine: locked}
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, failures, first_at, last_at, locked_until,
				user_name, address) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
				first_at = CASE WHEN excluded.failures = 1 THEN excluded.first_at ELSE first_at END,
				last_at = excluded.last_at, locked_until = excluded.locked_until`,
			l.Key, failures, fmtTime(tx.Now), fmtTime(tx.Now), locked, clip(l.User, 40), clip(l.Address, 64)); err != nil {
			return until, nil, nil, fmt.Errorf("record login failure %s: %w", l.Key, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE substr(key, 1, instr(key, ':')) = ?
			AND coalesce(last_at, first_at) < ?`, l.Key[:strings.IndexByte(l.Key, ':')+1],
			fmtTime(tx.Now.Add(-l.Forget))); err != nil {
			return until, nil, nil, fmt.Errorf("sweep login failures: %w", err)
		}
	}
	return until, counts, undo, nil
}

// auditActor is the user name typed, as the audit log keeps it.
func auditActor(actor string) string {
	actor = clip(strings.TrimSpace(actor), 40)
	if actor == "" {
		actor = "?"
	}
	return actor
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

// LoginTarget is a user name under attack: failed sign-ins for it.
type LoginTarget struct {
	User      string
	Failures  int       // since the first, with no pause longer than the rule's Forget
	Addresses int       // distinct addresses still counted against it
	FirstAt   time.Time // first failure of the run
	LastAt    time.Time
}

// LoginTargets lists the user names with at least min failures counted
// under their "user:" keys, the last of them since since; most failures
// first.
func (s *Store) LoginTargets(ctx context.Context, min int, since time.Time) ([]LoginTarget, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT u.user_name, u.failures, u.first_at, coalesce(u.last_at, u.first_at),
			(SELECT count(*) FROM login_failures p WHERE substr(p.key, 1, 5) = 'pair:' AND p.user_name = u.user_name)
		FROM login_failures u WHERE substr(u.key, 1, 5) = 'user:' AND u.failures >= ?
			AND coalesce(u.last_at, u.first_at) >= ?
		ORDER BY u.failures DESC, u.user_name LIMIT 50`, min, fmtTime(since))
	if err != nil {
		return nil, fmt.Errorf("list login targets: %w", err)
	}
	defer rows.Close()
	var ts []LoginTarget
	for rows.Next() {
		var t LoginTarget
		var first, last sql.NullString
		if err := rows.Scan(&t.User, &t.Failures, &first, &last, &t.Addresses); err != nil {
			return nil, fmt.Errorf("list login targets: %w", err)
		}
		var e1, e2 error
		t.FirstAt, e1 = parseTime(first)
		t.LastAt, e2 = parseTime(last)
		if err := errors.Join(e1, e2); err != nil {
			return nil, fmt.Errorf("list login targets: %w", err)
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
