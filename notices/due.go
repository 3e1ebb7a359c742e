package notices

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OldestDue returns the due time of the oldest delivery that waits to be
// sent at now (queued, retry, or claimed and not yet sent: waiting for the
// rate limit, or of unknown outcome; due at or before now) among those of
// priority rank at least minRank and at most maxRank (PriorityRank), or the
// zero time when none waits. Monitoring reads it: a delivery that stays due
// for long means sending is stuck.
func (s *Store) OldestDue(ctx context.Context, now time.Time, minRank, maxRank PriorityRank) (time.Time, error) {
	var ts sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM deliveries
		WHERE status IN ('queued', 'retry', 'sending') AND next_attempt_at <= ? AND priority BETWEEN ? AND ?`,
		fmtTime(now), minRank, maxRank).Scan(&ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("oldest due delivery: %w", err)
	}
	if !ts.Valid {
		return time.Time{}, nil
	}
	return parseTime(ts)
}
