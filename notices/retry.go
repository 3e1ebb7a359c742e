package notices

import (
	"context"
	"fmt"
	"time"
)

// RetryNotice makes the failed deliveries of notice id due again now, and
// returns how many. A cancelled or expired notice is not retried, nor one
// superseded by an approved withdrawal or correction (followups.go). A
// recurring notice's failure that a later run replaced is left alone
// (retrysupersede.go); when only such are left, it is refused, saying so.
func (s *Store) RetryNotice(ctx context.Context, id int64, actor string) (int, error) {
	var n int64
	err := s.update(ctx, func(tx *txn) error {
		status, _, expires, _, err := noticeState(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := refuseSuperseded(ctx, tx, id); err != nil {
			return err
		}
		if status == StatusCancelled || status == StatusExpired || !expires.IsZero() && !expires.After(tx.Now) {
			return fieldErr("status", "Thông báo số %d đã hủy hoặc hết hạn nên không gửi lại được.", id)
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'retry', next_attempt_at = ?, updated_at = ?
			WHERE notice_id = ? AND status = 'failed'
			  AND `+notSupersededSQL, fmtTime(tx.Now), fmtTime(tx.Now), id)
		if err != nil {
			return fmt.Errorf("retry deliveries of notice %d: %w", id, err)
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return refuseReplacedRuns(ctx, tx, id, 0, s.loc)
		}
		return tx.audit(ctx, actor, "notice.retry", id, 0, fmt.Sprintf("%d", n))
	})
	return int(n), err
}

// RetryHamlet makes the failed deliveries of notice id to one hamlet due
// again now, and returns how many. Like RetryNotice, a cancelled, expired
// or superseded notice is not retried.
func (s *Store) RetryHamlet(ctx context.Context, id, hamletID int64, actor string) (int, error) {
	var n int64
	err := s.update(ctx, func(tx *txn) error {
		status, _, expires, _, err := noticeState(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := refuseSuperseded(ctx, tx, id); err != nil {
			return err
		}
		if status == StatusCancelled || status == StatusExpired || !expires.IsZero() && !expires.After(tx.Now) {
			return fieldErr("status", "Thông báo số %d đã hủy hoặc hết hạn nên không gửi lại được.", id)
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'retry', next_attempt_at = ?, updated_at = ?
			WHERE notice_id = ? AND hamlet_id = ? AND status = 'failed'
			  AND `+notSupersededSQL, fmtTime(tx.Now), fmtTime(tx.Now), id, hamletID)
		if err != nil {
			return fmt.Errorf("retry deliveries of notice %d to hamlet %d: %w", id, hamletID, err)
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return refuseReplacedRuns(ctx, tx, id, hamletID, s.loc)
		}
		return tx.audit(ctx, actor, "notice.retry", id, hamletID, fmt.Sprintf("%d", n))
	})
	return int(n), err
}

// refuseReplacedRuns is a FieldError when nothing was retried because
// later runs replaced the failed ones (retrysupersede.go).
func refuseReplacedRuns(ctx context.Context, tx *txn, id, hamletID int64, loc *time.Location) error {
	msg, err := supersededFailures(ctx, tx, id, hamletID, loc)
	if err != nil || msg == "" {
		return err
	}
	return fieldErr("status", "%s", msg)
}

// refuseSuperseded is a FieldError when notice id has an approved or sent
// withdrawal or correction.
func refuseSuperseded(ctx context.Context, tx *txn, id int64) error {
	f, err := supersededBy(ctx, tx, id)
	if err != nil || f.ID == 0 {
		return err
	}
	return fieldErr("status", "%s", RetryRefusal(id, f))
}
