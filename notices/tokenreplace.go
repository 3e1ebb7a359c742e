package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A refresh token given by hand (`loaxa zalo connect --refresh-token-file`)
// is spent beside the commune's stored pair, which stays as it is until
// Zalo's new pair is known to be for this commune's OA: a kill at any
// moment leaves the stored pair usable. Its daemon_state row records, in
// turn, that the token went to Zalo (so that it is never sent twice), then
// the new pair Zalo gave (so that a kill before it is stored loses
// nothing: the next `zalo connect` finishes it).

// handRefresh is the daemon_state row of a refresh token given by hand.
type handRefresh struct {
	Token     string    `json:"token"` // the refresh token given, sent to Zalo at Sent
	Sent      time.Time `json:"sent"`
	Access    string    `json:"access,omitempty"` // Zalo's new pair, once answered
	Refresh   string    `json:"refresh,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// handAudit begins the audit details of a refresh token given by hand.
const handAudit = "mã làm mới (refresh token) nhập tay bằng lệnh loaxa zalo connect: "

func (t *CommuneTokens) handKey() string { return "zalo_hand_refresh:" + strconv.FormatInt(t.id, 10) }

// ErrHandTokenSent means a refresh token given by hand already went to
// Zalo, and its answer was never stored: Zalo may have spent it, and a
// spent refresh token sent twice can make Zalo revoke the connection.
var ErrHandTokenSent = errors.New("this refresh token was sent to zalo before and its answer never stored")

// BeginHandRefresh records, in one transaction, that refresh, given by
// hand, goes to Zalo now; the commune's stored pair is not touched. If an
// earlier run kept Zalo's new pair (HoldHandPair) without storing it,
// that pair is returned instead, and refresh is neither recorded nor to
// be sent. A refresh token recorded as sent without an answer is refused
// with ErrHandTokenSent (sent says when it went).
func (t *CommuneTokens) BeginHandRefresh(ctx context.Context, refresh string) (heldAccess, heldRefresh string, heldExpires, sent time.Time, err error) {
	err = t.s.commit(ctx, func(tx *txn) error {
		var v string
		err := tx.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, t.handKey()).Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil {
			var h handRefresh
			if err := json.Unmarshal([]byte(v), &h); err != nil {
				return fmt.Errorf("read the refresh token given by hand: %w", err)
			}
			switch {
			case h.Refresh != "":
				heldAccess, heldRefresh, heldExpires = h.Access, h.Refresh, h.ExpiresAt
				return nil
			case h.Token == refresh:
				sent = h.Sent
				return ErrHandTokenSent
			}
		}
		b, _ := json.Marshal(handRefresh{Token: refresh, Sent: tx.Now})
		_, err = tx.ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, t.handKey(), string(b), fmtTime(tx.Now))
		if err != nil {
			return err
		}
		return tx.auditIn(ctx, t.id, "cli", "zalo.tokens", 0, 0, handAudit+"đã gửi cho Zalo")
	})
	if err != nil && !errors.Is(err, ErrHandTokenSent) {
		err = fmt.Errorf("record the refresh token given: %w", err)
	}
	return heldAccess, heldRefresh, heldExpires, sent, err
}

// HoldHandPair keeps, in one transaction, the pair Zalo gave for the
// refresh token given by hand, beside the stored pair, which it does not
// touch. It runs on the token connection with synchronous=FULL, as
// SaveZaloTokens: this pair is the only one of its chain.
func (t *CommuneTokens) HoldHandPair(ctx context.Context, access, refresh string, accessExpiresAt time.Time) error {
	err := t.tokenCommit(ctx, func(tx *txn) error {
		var v string
		if err := tx.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, t.handKey()).Scan(&v); err != nil {
			return err
		}
		var h handRefresh
		if err := json.Unmarshal([]byte(v), &h); err != nil {
			return err
		}
		h.Access, h.Refresh, h.ExpiresAt = access, refresh, accessExpiresAt.UTC()
		b, _ := json.Marshal(h)
		_, err := tx.ExecContext(ctx, `UPDATE daemon_state SET value = ?, updated_at = ? WHERE key = ?`, string(b), fmtTime(tx.Now), t.handKey())
		return err
	})
	if err != nil {
		return fmt.Errorf("keep the zalo tokens of the refresh token given: %w", err)
	}
	return nil
}

// CommitHandPair makes the held pair (HoldHandPair) the commune's stored
// pair, issued for the OA oaID ("" when Zalo did not say), in one
// transaction that also clears the record and the refresh mark.
func (t *CommuneTokens) CommitHandPair(ctx context.Context, oaID string) error {
	err := t.tokenCommit(ctx, func(tx *txn) error {
		var v string
		if err := tx.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, t.handKey()).Scan(&v); err != nil {
			return err
		}
		var h handRefresh
		if err := json.Unmarshal([]byte(v), &h); err != nil {
			return err
		}
		if h.Refresh == "" {
			return errors.New("no pair held")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO zalo_tokens (commune_id, access_token, refresh_token, access_expires_at, updated_at, oa_id)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (commune_id) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
				access_expires_at = excluded.access_expires_at, updated_at = excluded.updated_at, oa_id = excluded.oa_id`,
			t.id, h.Access, h.Refresh, fmtTime(h.ExpiresAt), fmtTime(tx.Now), nullStr(oaID)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM daemon_state WHERE key IN (?, ?)`, t.handKey(), t.refreshKey()); err != nil {
			return err
		}
		return tx.auditIn(ctx, t.id, "cli", "zalo.tokens", 0, 0, handAudit+"đã lưu cặp mã truy cập mới Zalo cấp cho nó")
	})
	if err != nil {
		return fmt.Errorf("store the zalo tokens of the refresh token given: %w", err)
	}
	t.s.signal()
	return nil
}

// DropHandRefresh forgets the refresh token given by hand, and any pair
// held for it, in one transaction; the stored pair stays as it is. why
// (Vietnamese: staff read it) goes to the audit log.
func (t *CommuneTokens) DropHandRefresh(ctx context.Context, why string) error {
	err := t.tokenCommit(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM daemon_state WHERE key = ?`, t.handKey()); err != nil {
			return err
		}
		return tx.auditIn(ctx, t.id, "cli", "zalo.tokens", 0, 0, handAudit+why+"; cặp mã truy cập đang lưu được giữ nguyên")
	})
	if err != nil {
		return fmt.Errorf("forget the refresh token given: %w", err)
	}
	return nil
}

// tokenCommit runs fn in one transaction on the token connection
// (synchronous=FULL), as SaveZaloTokens does.
func (t *CommuneTokens) tokenCommit(ctx context.Context, fn func(tx *txn) error) error {
	sqlTx, err := t.s.tokenDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&txn{Tx: sqlTx, Now: t.s.Now()}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
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
