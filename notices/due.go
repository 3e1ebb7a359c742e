package notices

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// oldestDueSQL is OldestDue's question, with ?1 now and the ranks ?2 to
// ?3: the rows still to send read through deliveries_due, those claimed
// through deliveries_sending, so that a /metrics scrape or a health check
// reads the live rows, not a million rows of history (a scan of every
// delivery took 170 ms with 1,000,000). A delivery of a notice whose
// withdrawal is approved waits for the withdrawal, not for the dispatcher
// (followups.go): not stuck.
var oldestDueSQL = `SELECT min(m) FROM (
	SELECT min(d.next_attempt_at) AS m FROM deliveries d
	WHERE d.status IN ('queued', 'retry') AND d.next_attempt_at <= ?1 AND d.priority BETWEEN ?2 AND ?3
	  AND NOT ` + withdrawnSQL + `
	  AND NOT EXISTS (SELECT 1 FROM communes c WHERE c.id = d.commune_id AND c.active = 0)
	UNION ALL
	SELECT min(d.next_attempt_at) FROM deliveries d
	WHERE d.status = 'sending' AND d.next_attempt_at <= ?1 AND d.priority BETWEEN ?2 AND ?3
	  AND NOT EXISTS (SELECT 1 FROM communes c WHERE c.id = d.commune_id AND c.active = 0))`

// OldestDue returns the due time of the oldest delivery that waits to be
// sent at now (queued, retry, or claimed and not yet sent: waiting for the
// rate limit, or of unknown outcome; due at or before now) among those of
// priority rank at least minRank and at most maxRank (PriorityRank), or the
// zero time when none waits. Monitoring reads it: a delivery that stays due
// for long means sending is stuck. The deliveries of a disabled commune
// are left out: they are held on purpose, not stuck (QueueDepthByCommune
// counts them, as that commune's own).
func (s *Store) OldestDue(ctx context.Context, now time.Time, minRank, maxRank PriorityRank) (time.Time, error) {
	var ts sql.NullString
	err := s.db.QueryRowContext(ctx, oldestDueSQL, fmtTime(now), minRank, maxRank).Scan(&ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("oldest due delivery: %w", err)
	}
	if !ts.Valid {
		return time.Time{}, nil
	}
	return parseTime(ts)
}
