package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The Zalo OA token pair of each commune. The Store's own methods
// (LoadZaloTokens …) are the only commune's, and fail with a
// *CommuneRequiredError when there are several; CommuneTokens(id) gives
// the same methods for one commune. Both implement the bot package's
// TokenStore, RefreshJournal and RefreshLocker.

// CommuneTokens is the token store of one commune's OA.
type CommuneTokens struct {
	s  *Store
	id int64
}

// CommuneTokens returns the token store of commune communeID.
func (s *Store) CommuneTokens(communeID int64) *CommuneTokens {
	return &CommuneTokens{s: s, id: communeID}
}

// CommuneID is the commune whose pair this is.
func (t *CommuneTokens) CommuneID() int64 { return t.id }

// only is the token store of the only commune. It reads on the token
// connection, so that saving a rotated pair never queues behind the
// daemon's statements on the main one.
func (s *Store) only(ctx context.Context) (*CommuneTokens, error) {
	c, err := resolveCommune(ctx, s.tokenDB, "")
	if err != nil {
		return nil, err
	}
	return s.CommuneTokens(c.ID), nil
}

// LoadZaloTokens returns the only commune's pair (see CommuneTokens.LoadZaloTokens).
func (s *Store) LoadZaloTokens(ctx context.Context) (access, refresh string, accessExpiresAt time.Time, err error) {
	t, err := s.only(ctx)
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("load zalo tokens: %w", err)
	}
	return t.LoadZaloTokens(ctx)
}

// SaveZaloTokens stores the only commune's pair (see CommuneTokens.SaveZaloTokens).
func (s *Store) SaveZaloTokens(ctx context.Context, access, refresh string, accessExpiresAt time.Time) error {
	t, err := s.only(ctx)
	if err != nil {
		return fmt.Errorf("save zalo tokens: %w", err)
	}
	return t.SaveZaloTokens(ctx, access, refresh, accessExpiresAt)
}

// ZaloTokensSavedAt is the only commune's (see CommuneTokens.ZaloTokensSavedAt).
func (s *Store) ZaloTokensSavedAt(ctx context.Context) (time.Time, error) {
	t, err := s.only(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("read zalo tokens' age: %w", err)
	}
	return t.ZaloTokensSavedAt(ctx)
}

// BeginZaloRefresh marks the only commune's refresh (see CommuneTokens.BeginZaloRefresh).
func (s *Store) BeginZaloRefresh(ctx context.Context) (earlier time.Time, err error) {
	t, err := s.only(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("mark zalo token refresh: %w", err)
	}
	return t.BeginZaloRefresh(ctx)
}

// EndZaloRefresh clears the only commune's mark (see CommuneTokens.EndZaloRefresh).
func (s *Store) EndZaloRefresh(ctx context.Context) error {
	t, err := s.only(ctx)
	if err != nil {
		return fmt.Errorf("clear zalo token refresh mark: %w", err)
	}
	return t.EndZaloRefresh(ctx)
}

// ZaloRefreshInterrupted is the only commune's (see CommuneTokens.ZaloRefreshInterrupted).
func (s *Store) ZaloRefreshInterrupted(ctx context.Context) (time.Time, error) {
	t, err := s.only(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("read zalo token refresh mark: %w", err)
	}
	return t.ZaloRefreshInterrupted(ctx)
}

// LockZaloRefresh takes the database's refresh lock (Store.LockZaloRefresh):
// one lock for every commune, as refreshes are rare and short.
func (t *CommuneTokens) LockZaloRefresh(ctx context.Context) (unlock func(), err error) {
	return t.s.LockZaloRefresh(ctx)
}

// LoadZaloTokens returns the commune's stored Zalo OA token pair: empty
// strings and a nil error when there is none yet.
func (t *CommuneTokens) LoadZaloTokens(ctx context.Context) (access, refresh string, accessExpiresAt time.Time, err error) {
	var exp sql.NullString
	err = t.s.db.QueryRowContext(ctx, `SELECT access_token, refresh_token, access_expires_at FROM zalo_tokens WHERE commune_id = ?`, t.id).
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
// refresh token we hold. Commune 1 keeps the key an older loaxa wrote, so
// that a mark it left is honoured; another commune's has ":<id>" appended.
const zaloRefreshKey = "zalo_refresh_started_at"

func (t *CommuneTokens) refreshKey() string {
	if t.id == 1 {
		return zaloRefreshKey
	}
	return zaloRefreshKey + ":" + strconv.FormatInt(t.id, 10)
}

// SaveZaloTokens replaces the commune's stored token pair; it has committed
// when it returns, so a rotated refresh token is never lost. It runs on a
// connection of its own, so that it never queues behind the daemon's other
// statements, with synchronous=FULL, so that the commit survives a power
// cut and not only a crash. It clears the mark left by BeginZaloRefresh.
// The tokens themselves never reach the audit log.
func (t *CommuneTokens) SaveZaloTokens(ctx context.Context, access, refresh string, accessExpiresAt time.Time) error {
	return t.saveTokens(ctx, "daemon", access, refresh, accessExpiresAt, nil, "expires "+accessExpiresAt.UTC().Format(sqlTime))
}

// SaveZaloTokensOfOA stores, as SaveZaloTokens does and in the same one
// transaction, a pair Zalo issued for the OA oaID, and records that OA as
// the commune's (RecordZaloOA). actor and detail (Vietnamese, staff read
// it) go to the audit log. It is how a pair a code exchange started for
// another commune gave for this commune's OA is kept: the exchange
// superseded this commune's refresh token, so the pair is its chain now.
func (t *CommuneTokens) SaveZaloTokensOfOA(ctx context.Context, actor, access, refresh string, accessExpiresAt time.Time, oaID, detail string) error {
	if oaID == "" {
		return errors.New("save zalo tokens: no oa")
	}
	return t.saveTokens(ctx, actor, access, refresh, accessExpiresAt, &oaID, detail)
}

func (t *CommuneTokens) saveTokens(ctx context.Context, actor, access, refresh string, accessExpiresAt time.Time, oaID *string, detail string) error {
	if access == "" && refresh == "" {
		return errors.New("save zalo tokens: both tokens are empty")
	}
	s := t.s
	sqlTx, err := s.tokenDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save zalo tokens: begin: %w", err)
	}
	tx := &txn{Tx: sqlTx, Now: s.Now()}
	_, err = tx.ExecContext(ctx, `INSERT INTO zalo_tokens (commune_id, access_token, refresh_token, access_expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (commune_id) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
			access_expires_at = excluded.access_expires_at, updated_at = excluded.updated_at`,
		t.id, access, refresh, fmtTime(accessExpiresAt), fmtTime(tx.Now))
	if err == nil && oaID != nil {
		_, err = tx.ExecContext(ctx, `UPDATE zalo_tokens SET oa_id = ? WHERE commune_id = ?`, *oaID, t.id)
	}
	if err == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM daemon_state WHERE key = ?`, t.refreshKey())
	}
	if err == nil {
		err = tx.auditIn(ctx, t.id, actor, "zalo.tokens", 0, 0, detail)
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

// ZaloTokensSavedAt returns when the commune's pair was saved (zero if
// none), so that a client loading it knows how long its access token lives.
func (t *CommuneTokens) ZaloTokensSavedAt(ctx context.Context) (time.Time, error) {
	var at sql.NullString
	err := t.s.db.QueryRowContext(ctx, `SELECT updated_at FROM zalo_tokens WHERE commune_id = ?`, t.id).Scan(&at)
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
func (t *CommuneTokens) BeginZaloRefresh(ctx context.Context) (earlier time.Time, err error) {
	key := t.refreshKey()
	err = t.s.commit(ctx, func(tx *txn) error {
		var v string
		err := tx.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, key).Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?)`,
				key, fmtTime(tx.Now), fmtTime(tx.Now))
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
func (t *CommuneTokens) EndZaloRefresh(ctx context.Context) error {
	err := t.s.commit(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM daemon_state WHERE key = ?`, t.refreshKey())
		return err
	})
	if err != nil {
		return fmt.Errorf("clear zalo token refresh mark: %w", err)
	}
	return nil
}

// ZaloRefreshInterrupted returns when a refresh request went to Zalo whose
// answer was never stored (zero if none), for `loaxa zalo status`.
func (t *CommuneTokens) ZaloRefreshInterrupted(ctx context.Context) (time.Time, error) {
	var v string
	err := t.s.db.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, t.refreshKey()).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read zalo token refresh mark: %w", err)
	}
	return parseTime(sql.NullString{String: v, Valid: true})
}

// RecordZaloOA notes that the commune's stored pair was issued for the
// Zalo OA oaID (the OAuth callback's oa_id).
func (t *CommuneTokens) RecordZaloOA(ctx context.Context, oaID string) error {
	if _, err := t.s.db.ExecContext(ctx, `UPDATE zalo_tokens SET oa_id = ? WHERE commune_id = ?`, oaID, t.id); err != nil {
		return fmt.Errorf("record zalo oa: %w", err)
	}
	return nil
}

// ZaloOA is the OA the commune's stored pair was recorded as issued for;
// "" when none is recorded (or there is no pair).
func (t *CommuneTokens) ZaloOA(ctx context.Context) (string, error) {
	var oa sql.NullString
	err := t.s.db.QueryRowContext(ctx, `SELECT oa_id FROM zalo_tokens WHERE commune_id = ?`, t.id).Scan(&oa)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read the commune's zalo oa: %w", err)
	}
	return oa.String, nil
}

// ZaloOAOwner is the commune, other than this one, whose stored pair was
// recorded as the OA oaID's; nil when none.
func (t *CommuneTokens) ZaloOAOwner(ctx context.Context, oaID string) (*Commune, error) {
	if oaID == "" {
		return nil, nil
	}
	var id int64
	err := t.s.db.QueryRowContext(ctx, `SELECT commune_id FROM zalo_tokens WHERE oa_id = ? AND commune_id <> ?
		ORDER BY commune_id LIMIT 1`, oaID, t.id).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find the commune of zalo oa %s: %w", oaID, err)
	}
	return t.s.CommuneByID(ctx, id)
}
