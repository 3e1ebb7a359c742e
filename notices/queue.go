package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

const jobColumns = `id, coalesce(notice_id, 0), coalesce(occurrence_id, 0), coalesce(bulletin_id, 0), hamlet_id,
	group_id, part, parts, body, with_image, priority, attempts, due_at, coalesce(claimed_at, '')`

// scanJob reads the columns of a claimed delivery.
func scanJob(sc interface{ Scan(...any) error }) (Delivery, error) {
	var j Delivery
	var due, claimed string
	err := sc.Scan(&j.ID, &j.NoticeID, &j.OccurrenceID, &j.BulletinID, &j.HamletID, &j.GroupID, &j.Part, &j.Parts,
		&j.Body, &j.WithImage, &j.Priority, &j.Attempts, &due, &claimed)
	if err != nil {
		return j, err
	}
	j.Status = DeliverySending
	j.DueAt = parseText(due)
	j.ClaimedAt = parseText(claimed)
	return j, nil
}

// ClaimJobs marks up to limit due deliveries 'sending' and returns them,
// urgent first, then by due time. A later part of a message is claimed
// only once the part before it was sent to that group, so parts arrive in
// order. Only deliveries of priority rank maxPriority or more urgent are
// claimed (0 during quiet hours). Deliveries of a notice that was cancelled, rejected or has expired
// are not claimed.
func (s *Store) ClaimJobs(ctx context.Context, now time.Time, limit, maxPriority int) ([]Delivery, error) {
	var jobs []Delivery
	err := s.commit(ctx, func(tx *txn) error {
		ts := fmtTime(now)
		rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
				claimed_at = ?, updated_at = ?
			WHERE id IN (
				SELECT d.id FROM deliveries d
				WHERE d.status IN ('queued', 'retry') AND d.next_attempt_at <= ? AND d.priority <= ?
				  AND (d.part = 1
				       OR EXISTS (SELECT 1 FROM deliveries p WHERE p.occurrence_id = d.occurrence_id
				                  AND p.hamlet_id = d.hamlet_id AND p.part = d.part - 1 AND p.status = 'sent')
				       OR EXISTS (SELECT 1 FROM deliveries p WHERE p.bulletin_id = d.bulletin_id
				                  AND p.part = d.part - 1 AND p.status = 'sent'))
				  AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.id = d.notice_id
				       AND (n.status IN ('cancelled', 'rejected', 'expired') OR n.expires_at <= ?))
				ORDER BY d.priority, d.next_attempt_at, d.id
				LIMIT ?)
			RETURNING `+jobColumns, ts, ts, ts, maxPriority, ts, limit)
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	sort.Slice(jobs, func(a, b int) bool {
		x, y := jobs[a], jobs[b]
		if x.Priority != y.Priority {
			return x.Priority < y.Priority
		}
		if !x.DueAt.Equal(y.DueAt) {
			return x.DueAt.Before(y.DueAt)
		}
		return x.ID < y.ID
	})
	return jobs, err
}

// SendingJobs returns the deliveries left in 'sending' whose claim is older
// than before: candidates for reconciliation.
func (s *Store) SendingJobs(ctx context.Context, before time.Time) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM deliveries
		WHERE status = 'sending' AND claimed_at <= ? ORDER BY id`, fmtTime(before))
	if err != nil {
		return nil, fmt.Errorf("list sending deliveries: %w", err)
	}
	defer rows.Close()
	var jobs []Delivery
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

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
	return s.commit(ctx, func(tx *txn) error {
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
	})
}

func nullCode(c int) any {
	if c == 0 {
		return nil
	}
	return c
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// NextAttempt is the earliest time after now at which a queued or retrying
// delivery becomes due, or the zero time when there is none. Deliveries
// due already are left out: those that could be claimed have been, and
// the rest wait for something else (the part before them, the end of
// quiet hours), so they must not hide a later retry.
func (s *Store) NextAttempt(ctx context.Context, now time.Time) (time.Time, error) {
	var ts sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM deliveries
		WHERE status IN ('queued', 'retry') AND next_attempt_at > ?`, fmtTime(now)).Scan(&ts)
	if err != nil || !ts.Valid {
		return time.Time{}, err
	}
	return parseTime(ts)
}

// QueueDepth counts deliveries still to send (queued, retry or sending).
func (s *Store) QueueDepth(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM deliveries WHERE status IN ('queued', 'retry')) +
		(SELECT count(*) FROM deliveries WHERE status = 'sending')`).Scan(&n)
	return n, err
}

// parseText reads a time the daemon itself stored; a malformed one reads
// as the zero time.
func parseText(s string) time.Time {
	t, _ := parseTime(sql.NullString{String: s, Valid: s != ""})
	return t
}

// KnownMessageIDs reports which of the Zalo message ids are already
// recorded on a delivery.
func (s *Store) KnownMessageIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	known := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return known, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT message_id FROM deliveries
		WHERE message_id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("look up %d Zalo messages: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		known[id] = true
	}
	return known, rows.Err()
}

// DeliveryCounts counts deliveries by state: all of them, or those changed
// since t when t is not zero.
func (s *Store) DeliveryCounts(ctx context.Context, since time.Time) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM deliveries
		WHERE ?1 IS NULL OR updated_at >= ?1 GROUP BY status`, fmtTime(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		counts[st] = n
	}
	return counts, rows.Err()
}

// AnyDue reports whether a delivery of priority rank maxRank or more
// urgent (0 urgent, 2 low) is due at now: work the dispatcher would claim.
func (s *Store) AnyDue(ctx context.Context, now time.Time, maxRank int) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM deliveries
		WHERE status IN ('queued', 'retry') AND priority <= ? AND next_attempt_at <= ? LIMIT 1)`,
		maxRank, fmtTime(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("due deliveries: %w", err)
	}
	return n > 0, nil
}
