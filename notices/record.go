package notices

import (
	"context"
	"fmt"
	"time"
)

// Result is what became of a claimed delivery.
type Result struct {
	ID        int64
	Status    DeliveryState // sent, retry, failed, queued (given back unsent) or sending (outcome unknown)
	MessageID string        // sent
	At        time.Time     // when it was sent, or the next attempt for retry and queued
	Code      int           // Zalo's error code, if any
	Error     string        // plain-language reason, Vietnamese
	// Unclaim gives back the attempt counted by the claim, for a delivery
	// that was never handed to Zalo (paused sending, shutdown).
	Unclaim bool
}

// Record writes the outcomes of sends in one transaction. A failed part
// fails the later parts of the same message to that group, which could
// otherwise never be claimed.
func (s *Store) Record(ctx context.Context, results []Result) error {
	if len(results) == 0 {
		return nil
	}
	return s.commit(ctx, func(tx *txn) error { return record(ctx, tx, results) })
}

func record(ctx context.Context, tx *txn, results []Result) error {
	now := fmtTime(tx.Now)
	for _, r := range results {
		var err error
		switch r.Status {
		case DeliverySent:
			// The group's member count known now goes with it, for
			// "đã đến N nhóm, khoảng M thành viên".
			_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?,
				error_code = NULL, error = '', updated_at = ?,
				members = (SELECT f.total_member FROM group_facts f WHERE f.group_id = deliveries.group_id)
				WHERE id = ? AND status = 'sending'`,
				r.MessageID, fmtTime(r.At), now, r.ID)
		case DeliveryRetry, DeliveryQueued:
			back := 0
			if r.Unclaim {
				back = 1
			}
			_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, next_attempt_at = ?,
				attempts = max(attempts - ?, 0), error_code = ?, error = ?, updated_at = ?
				WHERE id = ? AND status = 'sending'`,
				r.Status, fmtTime(r.At), back, nullCode(r.Code), r.Error, now, r.ID)
		case DeliveryFailed:
			_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'failed', error_code = ?, error = ?,
				updated_at = ? WHERE id = ? AND status = 'sending'`, nullCode(r.Code), r.Error, now, r.ID)
			if err == nil {
				_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'failed', error_code = ?1, error = ?2,
					updated_at = ?3
					WHERE id IN (
						SELECT l.id FROM deliveries f JOIN deliveries l ON l.occurrence_id = f.occurrence_id
						WHERE f.id = ?4 AND l.hamlet_id = f.hamlet_id AND l.part > f.part AND l.status IN ('queued', 'retry')
						UNION ALL
						SELECT l.id FROM deliveries f JOIN deliveries l ON l.bulletin_id = f.bulletin_id
						WHERE f.id = ?4 AND l.part > f.part AND l.status IN ('queued', 'retry'))`,
					nullCode(r.Code), "phần trước của tin chưa gửi được: "+r.Error, now, r.ID)
			}
		case DeliverySending:
			_, err = tx.ExecContext(ctx, `UPDATE deliveries SET error_code = ?, error = ?, updated_at = ?
				WHERE id = ? AND status = 'sending'`, nullCode(r.Code), r.Error, now, r.ID)
		default:
			err = fmt.Errorf("unknown delivery status %q", r.Status)
		}
		if err != nil {
			return fmt.Errorf("record delivery %d as %s: %w", r.ID, r.Status, err)
		}
	}
	return nil
}

func nullCode(c int) any {
	if c == 0 {
		return nil
	}
	return c
}
