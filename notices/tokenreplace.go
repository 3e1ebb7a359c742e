package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ReplaceZaloTokens stores refresh, a refresh token given by hand (`loaxa
// zalo connect --refresh-token-file`), as the commune's pair, in one
// transaction that also clears the refresh mark, as SaveZaloTokens does. It
// keeps what it replaced: restore puts back, in one transaction, the row
// (or no row, if there was none) and the refresh mark as they were, for a
// token Zalo refused without spending anything. Call restore only while
// holding the refresh lock taken before the replacement, so that nobody
// rotated the pair in between.
func (t *CommuneTokens) ReplaceZaloTokens(ctx context.Context, refresh string) (restore func(context.Context) error, err error) {
	type row struct {
		access, refresh      string
		expires, updated, oa sql.NullString
	}
	var prev *row
	var mark sql.NullString
	key := t.refreshKey()
	err = t.s.commit(ctx, func(tx *txn) error {
		var r row
		err := tx.QueryRowContext(ctx, `SELECT access_token, refresh_token, access_expires_at, updated_at, oa_id
			FROM zalo_tokens WHERE commune_id = ?`, t.id).Scan(&r.access, &r.refresh, &r.expires, &r.updated, &r.oa)
		switch {
		case err == nil:
			prev = &r
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, key).Scan(&mark); err != nil &&
			!errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO zalo_tokens (commune_id, access_token, refresh_token, access_expires_at, updated_at, oa_id)
			VALUES (?, '', ?, NULL, ?, NULL)
			ON CONFLICT (commune_id) DO UPDATE SET access_token = '', refresh_token = excluded.refresh_token,
				access_expires_at = NULL, updated_at = excluded.updated_at, oa_id = NULL`, t.id, refresh, fmtTime(tx.Now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM daemon_state WHERE key = ?`, key); err != nil {
			return err
		}
		return tx.auditIn(ctx, t.id, "cli", "zalo.tokens", 0, 0, "refresh token given by hand")
	})
	if err != nil {
		return nil, fmt.Errorf("store the refresh token given: %w", err)
	}
	t.s.signal()
	return func(ctx context.Context) error {
		err := t.s.commit(ctx, func(tx *txn) error {
			var err error
			if prev == nil {
				_, err = tx.ExecContext(ctx, `DELETE FROM zalo_tokens WHERE commune_id = ?`, t.id)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE zalo_tokens SET access_token = ?, refresh_token = ?, access_expires_at = ?,
					updated_at = ?, oa_id = ? WHERE commune_id = ?`,
					prev.access, prev.refresh, prev.expires, prev.updated, prev.oa, t.id)
			}
			if err == nil {
				_, err = tx.ExecContext(ctx, `DELETE FROM daemon_state WHERE key = ?`, key)
			}
			if err == nil && mark.Valid {
				_, err = tx.ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?)`,
					key, mark.String, fmtTime(tx.Now))
			}
			if err == nil {
				err = tx.auditIn(ctx, t.id, "cli", "zalo.tokens", 0, 0, "refresh token given by hand refused by Zalo; previous pair kept")
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("put back the zalo tokens replaced: %w", err)
		}
		t.s.signal()
		return nil
	}, nil
}

// ZaloRefreshOwner is the commune, other than this one, whose stored
// refresh token is refresh; nil when none. A refresh token pasted for the
// wrong commune is caught before it is spent.
func (t *CommuneTokens) ZaloRefreshOwner(ctx context.Context, refresh string) (*Commune, error) {
	var id int64
	err := t.s.db.QueryRowContext(ctx, `SELECT commune_id FROM zalo_tokens WHERE refresh_token = ? AND commune_id <> ?
		ORDER BY commune_id LIMIT 1`, refresh, t.id).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find the commune of a refresh token: %w", err)
	}
	return t.s.CommuneByID(ctx, id)
}
