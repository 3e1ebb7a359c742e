package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LoadZaloTokens returns the stored Zalo OA token pair: empty strings and a
// nil error when there is none yet. It implements the bot package's
// TokenStore.
func (s *Store) LoadZaloTokens(ctx context.Context) (access, refresh string, accessExpiresAt time.Time, err error) {
	var exp sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT access_token, refresh_token, access_expires_at FROM zalo_tokens WHERE id = 1`).
		Scan(&access, &refresh, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", time.Time{}, nil
	}
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("load zalo tokens: %w", err)
	}
	accessExpiresAt, err = parseTime(exp)
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("load zalo tokens: %w", err)
	}
	return access, refresh, accessExpiresAt, nil
}

// zaloRefreshKey is the daemon_state row that says a refresh request went
// to Zalo and no answer to it has been stored yet: Zalo may have rotated the
// refresh token we hold.
const zaloRefreshKey = "zalo_refresh_started_at"

// SaveZaloTokens replaces the stored token pair; it has committed when it
// returns, so a rotated refresh token is never lost. It runs on a connection
// of its own, so that it never queues behind the daemon's other statements,
// with synchronous=FULL, so that the commit survives a power cut and not
// only a crash. It clears the mark left by BeginZaloRefresh. The tokens
// themselves never reach the audit log.
func (s *Store) SaveZaloTokens(ctx context.Context, access, refresh string, accessExpiresAt time.Time) error {
	if access == "" && refresh == "" {
		return errors.New("save zalo tokens: both tokens are empty")
	}
	sqlTx, err := s.tokenDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save zalo tokens: begin: %w", err)
	}
	tx := &txn{Tx: sqlTx, Now: s.Now()}
	_, err = tx.ExecContext(ctx, `INSERT INTO zalo_tokens (id, access_token, refresh_token, access_expires_at, updated_at)
		VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
			access_expires_at = excluded.access_expires_at, updated_at = excluded.updated_at`,
		access, refresh, fmtTime(accessExpiresAt), fmtTime(tx.Now))
	if err == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM daemon_state WHERE key = ?`, zaloRefreshKey)
	}
	if err == nil {
		err = tx.audit(ctx, "daemon", "zalo.tokens", 0, 0, "expires "+accessExpiresAt.UTC().Format(sqlTime))
	}
	if err != nil {
		_ = sqlTx.Rollback()
		return fmt.Errorf("save zalo tokens: %w", err)
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("save zalo tokens: commit: %w", err)
	}
	s.signal()
	return nil
}

// ZaloTokensSavedAt returns when the stored pair was saved (zero if none),
// so that a client loading it knows how long its access token lives.
func (s *Store) ZaloTokensSavedAt(ctx context.Context) (time.Time, error) {
	var at sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT updated_at FROM zalo_tokens WHERE id = 1`).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read zalo tokens' age: %w", err)
	}
	return parseTime(at)
}

// BeginZaloRefresh records, committed, that a refresh request is about to
// go to Zalo, before it goes: if the process dies before the answer is
// stored, the next refresher (any process, under LockZaloRefresh) knows
// that the stored refresh token may be spent, and does not send it again. It keeps
// an earlier mark, and returns its time (zero if there was none). An error
// means the database does not take writes now, so a new pair could not be
// stored either: do not spend the refresh token.
func (s *Store) BeginZaloRefresh(ctx context.Context) (earlier time.Time, err error) {
	err = s.commit(ctx, func(tx *txn) error {
		var v string
		err := tx.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, zaloRefreshKey).Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?)`,
				zaloRefreshKey, fmtTime(tx.Now), fmtTime(tx.Now))
			return err
		case err != nil:
			return err
		}
		earlier, err = parseTime(sql.NullString{String: v, Valid: true})
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("mark zalo token refresh: %w", err)
	}
	return earlier, nil
}

// EndZaloRefresh removes the mark after an answer that rotated nothing.
func (s *Store) EndZaloRefresh(ctx context.Context) error {
	err := s.commit(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM daemon_state WHERE key = ?`, zaloRefreshKey)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear zalo token refresh mark: %w", err)
	}
	return nil
}

// ZaloRefreshInterrupted returns when a refresh request went to Zalo whose
// answer was never stored (zero if none), for `loaxa zalo status`.
func (s *Store) ZaloRefreshInterrupted(ctx context.Context) (time.Time, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, zaloRefreshKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read zalo token refresh mark: %w", err)
	}
	return parseTime(sql.NullString{String: v, Valid: true})
}
