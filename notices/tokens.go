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

// SaveZaloTokens replaces the stored token pair; it has committed when it
// returns, so a rotated refresh token is never lost. The tokens themselves
// never reach the audit log.
func (s *Store) SaveZaloTokens(ctx context.Context, access, refresh string, accessExpiresAt time.Time) error {
	if access == "" && refresh == "" {
		return errors.New("save zalo tokens: both tokens are empty")
	}
	return s.update(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO zalo_tokens (id, access_token, refresh_token, access_expires_at, updated_at)
			VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
				access_expires_at = excluded.access_expires_at, updated_at = excluded.updated_at`,
			access, refresh, fmtTime(accessExpiresAt), fmtTime(tx.Now))
		if err != nil {
			return fmt.Errorf("save zalo tokens: %w", err)
		}
		return tx.audit(ctx, "daemon", "zalo.tokens", 0, 0, "expires "+accessExpiresAt.UTC().Format(sqlTime))
	})
}
