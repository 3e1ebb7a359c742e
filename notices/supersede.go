package notices

import (
	"context"
	"fmt"
	"time"
)

// Quiet hours would otherwise stack every run of a frequent recurring
// notice that falls due during them ("*/5" from 21:00 to 06:00: about a
// hundred) onto their end. Instead a run held for quiet hours is
// superseded by a later run of the same notice that falls due no later
// than the held one would be sent (Rules.Superseded, rules.go): only the
// last goes; the earlier ones are recorded as skipped, with the reason.
//
// Materialise applies the rule as the later run is made, in the same
// transaction: either the new run exists and the earlier ones are skipped,
// or (killed before the commit) neither, and the next poll does both. A
// skipped delivery is never claimed, so a superseded run is never sent
// later; a run any part of which was already claimed is left alone.

// supersede skips the earlier occurrences of notice id still held past
// due (every delivery queued, none due before it), on behalf of the
// occurrence falling due at due.
func (s *Store) supersede(ctx context.Context, tx *txn, id int64, due time.Time) error {
	reason := SupersededReason(due, s.loc)
	rows, err := tx.QueryContext(ctx, `SELECT o.id FROM occurrences o
		WHERE o.notice_id = ?1 AND o.due_at < ?2 AND o.due_at >= ?3 AND o.status = 'queued'
		  AND EXISTS (SELECT 1 FROM deliveries d WHERE d.occurrence_id = o.id)
		  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.occurrence_id = o.id
		                  AND (d.status <> 'queued' OR d.next_attempt_at < ?2))`,
		// Quiet hours last less than a day: a day back bounds the range
		// read on the (notice_id, due_at) index, however long the history.
		id, fmtTime(due), fmtTime(due.Add(-24*time.Hour)))
	if err != nil {
		return fmt.Errorf("held occurrences of notice %d: %w", id, err)
	}
	var ids []int64
	for rows.Next() {
		var o int64
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', error = ?, updated_at = ?
			WHERE occurrence_id = ? AND status = 'queued'`, reason, fmtTime(tx.Now), o); err != nil {
			return fmt.Errorf("skip superseded occurrence %d: %w", o, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE occurrences SET status = 'skipped', reason = ? WHERE id = ?`,
			reason, o); err != nil {
			return fmt.Errorf("skip superseded occurrence %d: %w", o, err)
		}
	}
	return nil
}

// SupersededReason is why a run held for quiet hours was not sent: the run
// due at later replaced it.
func SupersededReason(later time.Time, loc *time.Location) string {
	return "thay bằng lượt " + later.In(loc).Format("15:04") + " sau giờ yên lặng"
}
