package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// A notice is superseded once a withdrawal (kind cancel) or a correction
// (kind update) of it is approved or went out: its failed deliveries are
// no longer retried (residents who missed it would get a withdrawn or
// outdated text), and while a withdrawal of it is approved but not yet
// materialised the dispatcher sends nothing more of it (queue.go).
//
// followUpLiveSQL is true for follow-up notice f that counts: approved and
// still live or finished, or stopped after some of it was sent.
const followUpLiveSQL = `(f.status IN ('approved', 'done')
	OR f.status IN ('cancelled', 'expired') AND f.approved_at IS NOT NULL
	   AND EXISTS (SELECT 1 FROM deliveries fd WHERE fd.notice_id = f.id AND fd.status = 'sent'))`

// withdrawnSQL is true for a delivery d whose notice has an approved
// withdrawal: the dispatcher's claim leaves it alone.
var withdrawnSQL = withdrawnOf("d")

// withdrawnOf is withdrawnSQL for the delivery of alias a.
func withdrawnOf(a string) string {
	return `EXISTS (SELECT 1 FROM notices f WHERE f.refers_to = ` + a + `.notice_id AND f.kind = 'cancel'
	AND f.status IN ('approved', 'done'))`
}

// FollowUp is the follow-up that supersedes a notice.
type FollowUp struct {
	ID   int64
	Kind Kind // KindCancel wins over KindUpdate
}

// Superseded returns, for each notice in ids, its superseding follow-up
// (a withdrawal if there is one, else the latest correction); notices with
// none are absent.
func (s *Store) Superseded(ctx context.Context, ids []int64) (map[int64]FollowUp, error) {
	out := map[int64]FollowUp{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.refers_to, f.id, f.kind FROM notices f
		WHERE f.refers_to IN (?`+strings.Repeat(", ?", len(ids)-1)+`) AND f.kind IN ('update', 'cancel')
		  AND `+followUpLiveSQL+` ORDER BY f.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("follow-ups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var of int64
		var f FollowUp
		if err := rows.Scan(&of, &f.ID, &f.Kind); err != nil {
			return nil, fmt.Errorf("follow-ups: %w", err)
		}
		if cur, ok := out[of]; !ok || cur.Kind != KindCancel {
			out[of] = f
		}
	}
	return out, rows.Err()
}

// supersededBy is Superseded for one notice inside a transaction.
func supersededBy(ctx context.Context, tx *txn, id int64) (FollowUp, error) {
	var f FollowUp
	err := tx.QueryRowContext(ctx, `SELECT f.id, f.kind FROM notices f
		WHERE f.refers_to = ? AND f.kind IN ('update', 'cancel') AND `+followUpLiveSQL+`
		ORDER BY f.kind = 'cancel' DESC, f.id DESC LIMIT 1`, id).Scan(&f.ID, &f.Kind)
	if errors.Is(err, sql.ErrNoRows) {
		return FollowUp{}, nil
	}
	if err != nil {
		return FollowUp{}, fmt.Errorf("follow-ups of notice %d: %w", id, err)
	}
	return f, nil
}

// RetryRefusal says, in plain Vietnamese, why notice id superseded by f
// is not sent again, and what to do instead.
func RetryRefusal(id int64, f FollowUp) string {
	if f.Kind == KindCancel {
		return fmt.Sprintf("Thông báo số %d đã bị hủy bằng thông báo số %d nên không gửi lại được: "+
			"ấp chưa nhận được nó không cần nhận nữa.", id, f.ID)
	}
	return fmt.Sprintf("Thông báo số %d đã được đính chính bằng thông báo số %d; gửi lại bản cũ sẽ đưa nội dung "+
		"đã lỗi thời. Hãy gửi thông báo đính chính số %d cho ấp chưa nhận (nút «Gửi lại» trên trang của nó), "+
		"hoặc soạn thông báo mới.", id, f.ID, f.ID)
}

// withdrawnBy returns the approved withdrawal of notice id that went out or
// is going out (0 if none). After it, nothing more is said about id: no
// correction, no second withdrawal.
func withdrawnBy(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, id int64) (int64, error) {
	var w int64
	err := q.QueryRowContext(ctx, `SELECT f.id FROM notices f WHERE f.refers_to = ? AND f.kind = 'cancel'
		AND `+followUpLiveSQL+` ORDER BY f.id LIMIT 1`, id).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("withdrawal of notice %d: %w", id, err)
	}
	return w, nil
}

// withdrawnMsg says why notice id, withdrawn by notice w, takes no more
// follow-ups.
func withdrawnMsg(id, w int64) string {
	return fmt.Sprintf("Thông báo số %d đã bị hủy bằng thông báo số %d, nên không gửi thêm đính chính hay thông báo hủy "+
		"cho nó được; nếu vẫn cần báo tin, hãy soạn một thông báo mới.", id, w)
}
