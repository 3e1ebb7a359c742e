package notices

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// HeldSend is an occurrence already made whose deliveries wait for a later
// first attempt, as quiet hours hold a normal notice that fell due at night.
type HeldSend struct {
	DueAt time.Time // when the occurrence fell due
	At    time.Time // when its first delivery may go
}

// HeldSends lists notice id's occurrences whose queued deliveries may not
// go before some time after now, by that time: what a forward-looking
// calendar computed from the rules alone would miss, the run being past due.
func (s *Store) HeldSends(ctx context.Context, id int64, now time.Time) ([]HeldSend, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT min(o.due_at), min(d.next_attempt_at)
		FROM deliveries d JOIN occurrences o ON o.id = d.occurrence_id
		WHERE d.notice_id = ? AND d.status = 'queued' AND d.next_attempt_at > ?
		GROUP BY d.occurrence_id ORDER BY 2`, id, fmtTime(now))
	if err != nil {
		return nil, fmt.Errorf("held sends of notice %d: %w", id, err)
	}
	defer rows.Close()
	var out []HeldSend
	for rows.Next() {
		var due, at sql.NullString
		if err := rows.Scan(&due, &at); err != nil {
			return nil, fmt.Errorf("held sends of notice %d: %w", id, err)
		}
		h := HeldSend{}
		h.DueAt, _ = parseTime(due)
		h.At, _ = parseTime(at)
		out = append(out, h)
	}
	return out, rows.Err()
}
