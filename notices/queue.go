package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Occurrence states.
const (
	OccurrenceQueued     = "queued"     // deliveries were made
	OccurrenceHeld       = "held"       // a low notice waiting for its bulletin
	OccurrenceBulletined = "bulletined" // gathered into the bulletins of its hamlets
	OccurrenceSkipped    = "skipped"    // late, expired or withdrawn
)

// PriorityRank orders deliveries: urgent first.
func PriorityRank(p Priority) int {
	switch p {
	case Urgent:
		return 0
	case Low:
		return 2
	default:
		return 1
	}
}

// Target is a hamlet group a delivery goes to.
type Target struct {
	HamletID int64
	GroupID  string
}

// OccurrencePlan is everything one due moment of a notice turns into,
// written by Materialise in one transaction.
type OccurrencePlan struct {
	NoticeID  int64
	DueAt     time.Time
	Status    string // OccurrenceQueued, OccurrenceHeld or OccurrenceSkipped
	Reason    string // why it was skipped
	Parts     []string
	WithImage bool // the first part is sent as the caption of the notice's image
	Priority  int
	Targets   []Target
	NotBefore time.Time // first attempt time of the deliveries (quiet hours)
	// LastDueAt advances the notice's cursor (normally DueAt).
	LastDueAt time.Time
	// CloseAs, when set, moves the notice to this status in the same
	// transaction (a one-off whose only occurrence this is stays approved
	// until its deliveries finish; see CloseFinished).
	CloseAs     Status
	CloseReason string
	// Withdraws is the notice a 'cancel' notice withdraws: it is cancelled
	// and its deliveries not yet sent are skipped, in the same transaction.
	Withdraws int64
}

// Materialise records an occurrence and its deliveries. Doing it twice does
// nothing: the occurrence is UNIQUE per (notice, due time). It reports
// whether the occurrence is new.
func (s *Store) Materialise(ctx context.Context, p OccurrencePlan) (bool, error) {
	var created bool
	err := s.commit(ctx, func(tx *txn) error {
		now := fmtTime(tx.Now)
		res, err := tx.ExecContext(ctx, `INSERT INTO occurrences (notice_id, due_at, status, reason, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (notice_id, due_at) DO NOTHING`,
			p.NoticeID, fmtTime(p.DueAt), p.Status, p.Reason, now)
		if err != nil {
			return fmt.Errorf("insert occurrence: %w", err)
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			return nil
		}
		created = true
		occID, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if p.Status == OccurrenceQueued {
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id,
				part, parts, body, with_image, priority, status, due_at, next_attempt_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer stmt.Close()
			due, next := fmtTime(p.DueAt), fmtTime(maxTime(p.DueAt, p.NotBefore))
			for _, t := range p.Targets {
				for i, body := range p.Parts {
					withImage := p.WithImage && i == 0
					if _, err := stmt.ExecContext(ctx, p.NoticeID, occID, t.HamletID, t.GroupID, i+1, len(p.Parts),
						body, withImage, p.Priority, due, next, now, now); err != nil {
						return fmt.Errorf("insert delivery for hamlet %d part %d: %w", t.HamletID, i+1, err)
					}
				}
			}
		}
		if p.Withdraws != 0 {
			if err := withdraw(ctx, tx, p.Withdraws, p.NoticeID, now); err != nil {
				return err
			}
		}
		if !p.LastDueAt.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE notices SET last_due_at = ?, updated_at = ? WHERE id = ?`,
				fmtTime(p.LastDueAt), now, p.NoticeID); err != nil {
				return err
			}
		}
		if p.CloseAs != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = ?, reason = ?, updated_at = ?
				WHERE id = ? AND status = 'approved'`, p.CloseAs, p.CloseReason, now, p.NoticeID); err != nil {
				return err
			}
		}
		return nil
	})
	return created, err
}

// withdraw cancels notice id on behalf of the 'cancel' notice by.
func withdraw(ctx context.Context, tx *txn, id, by int64, now any) error {
	reason := fmt.Sprintf("đã hủy bằng thông báo #%d", by)
	if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = 'cancelled', reason = ?, updated_at = ?
		WHERE id = ? AND status IN ('draft', 'pending', 'approved')`, reason, now, id); err != nil {
		return fmt.Errorf("cancel notice %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', error = ?, updated_at = ?
		WHERE notice_id = ? AND status IN ('queued', 'retry')`, reason, now, id); err != nil {
		return fmt.Errorf("skip deliveries of notice %d: %w", id, err)
	}
	return nil
}

// ReachedHamlets lists the hamlets that received, or may be receiving, some
// part of notice id: where a correction or withdrawal must go.
func (s *Store) ReachedHamlets(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT hamlet_id FROM deliveries
		WHERE notice_id = ? AND status IN ('sent', 'sending')
		UNION
		SELECT DISTINCT d.hamlet_id FROM bulletin_items i JOIN occurrences o ON o.id = i.occurrence_id
		JOIN deliveries d ON d.bulletin_id = i.bulletin_id
		WHERE o.notice_id = ? AND d.status IN ('sent', 'sending')`, id, id)
	if err != nil {
		return nil, fmt.Errorf("hamlets reached by notice %d: %w", id, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var h int64
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		ids = append(ids, h)
	}
	return ids, rows.Err()
}

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
				_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?,
					error_code = NULL, error = '', updated_at = ? WHERE id = ? AND status = 'sending'`,
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

// NextAttempt is the earliest time a queued or retrying delivery becomes
// due, or the zero time when there is none.
func (s *Store) NextAttempt(ctx context.Context) (time.Time, error) {
	var ts sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM deliveries
		WHERE status IN ('queued', 'retry')`).Scan(&ts)
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

// Attachment returns the Zalo attachment uploaded for an occurrence's image
// and when it was uploaded; empty when there is none yet.
func (s *Store) Attachment(ctx context.Context, occurrenceID int64) (string, time.Time, error) {
	var id, at sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT attachment_id, uploaded_at FROM occurrences WHERE id = ?`,
		occurrenceID).Scan(&id, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, ErrNotFound
	}
	if err != nil || !id.Valid {
		return "", time.Time{}, err
	}
	t, _ := parseTime(at)
	return id.String, t, nil
}

// SetAttachment records (or, with "", forgets) an occurrence's uploaded image.
func (s *Store) SetAttachment(ctx context.Context, occurrenceID int64, attachmentID string) error {
	return s.commit(ctx, func(tx *txn) error {
		var id, at any
		if attachmentID != "" {
			id, at = attachmentID, fmtTime(tx.Now)
		}
		_, err := tx.ExecContext(ctx, `UPDATE occurrences SET attachment_id = ?, uploaded_at = ? WHERE id = ?`,
			id, at, occurrenceID)
		return err
	})
}

// NoticeImage returns a notice's image and its content type.
func (s *Store) NoticeImage(ctx context.Context, id int64) ([]byte, string, error) {
	var data []byte
	var typ sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT image, image_type FROM notices WHERE id = ?`, id).Scan(&data, &typ)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ErrNotFound
	}
	return data, typ.String, err
}

// SweepExpired closes notices whose expires_at has passed and skips their
// deliveries not yet sent. It returns how many notices it closed.
func (s *Store) SweepExpired(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.commit(ctx, func(tx *txn) error {
		ts := fmtTime(tx.Now)
		cut := fmtTime(now)
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', error = 'đã hết hạn', updated_at = ?
			WHERE status IN ('queued', 'retry') AND notice_id IN (
				SELECT id FROM notices WHERE status IN ('pending', 'approved') AND expires_at <= ?)`, ts, cut); err != nil {
			return fmt.Errorf("skip expired deliveries: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE notices SET status = 'expired', reason = 'đã hết hạn', updated_at = ?
			WHERE status IN ('pending', 'approved') AND expires_at <= ?`, ts, cut)
		if err != nil {
			return fmt.Errorf("expire notices: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// CloseFinished moves approved one-off notices whose only occurrence has
// been materialised and whose deliveries have all ended to 'done'.
func (s *Store) CloseFinished(ctx context.Context) (int, error) {
	var n int64
	err := s.commit(ctx, func(tx *txn) error {
		// status IN (…) lets the partial index notices_live be used, as in LiveNotices.
		res, err := tx.ExecContext(ctx, `UPDATE notices SET status = 'done', updated_at = ?
			WHERE status IN ('pending', 'approved') AND status = 'approved'
			  AND recurrence IS NULL AND last_due_at IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM occurrences o WHERE o.notice_id = notices.id AND o.status = 'held')
			  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = notices.id
			                  AND d.status IN ('queued', 'retry', 'sending'))
			  AND NOT EXISTS (SELECT 1 FROM occurrences o JOIN bulletin_items i ON i.occurrence_id = o.id
			                  JOIN deliveries d ON d.bulletin_id = i.bulletin_id
			                  WHERE o.notice_id = notices.id AND d.status IN ('queued', 'retry', 'sending'))`, fmtTime(tx.Now))
		if err != nil {
			return fmt.Errorf("close finished notices: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
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
	for _, id := range ids {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE message_id = ?`, id).Scan(&n); err != nil {
			return nil, fmt.Errorf("look up message %s: %w", id, err)
		}
		if n > 0 {
			known[id] = true
		}
	}
	return known, nil
}

// LiveNotices lists approved notices, oldest first, without their images.
func (s *Store) LiveNotices(ctx context.Context) ([]*Notice, error) {
	// The IN term is the partial index notices_live's own condition:
	// without it SQLite cannot tell that the index covers the rows, and
	// scans every notice ever written (BenchmarkDuePoll).
	rows, err := s.db.QueryContext(ctx, `SELECT `+fmt.Sprintf(noticeColumns, "NULL")+`
		FROM notices WHERE status IN ('pending', 'approved') AND status = 'approved' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list approved notices: %w", err)
	}
	defer rows.Close()
	var ns []*Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("list approved notices: %w", err)
		}
		ns = append(ns, &n)
	}
	return ns, rows.Err()
}

// CloseNotice moves an approved notice to status with a reason, on the
// daemon's behalf.
func (s *Store) CloseNotice(ctx context.Context, id int64, status Status, reason string) error {
	return s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = ?, reason = ?, updated_at = ?
			WHERE id = ? AND status = 'approved'`, status, reason, fmtTime(tx.Now), id); err != nil {
			return fmt.Errorf("close notice %d: %w", id, err)
		}
		return tx.audit(ctx, "daemon", "notice."+string(status), id, 0, reason)
	})
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

// Occurrence is one due moment of a notice, as recorded.
type Occurrence struct {
	ID     int64
	DueAt  time.Time
	Status string
	Reason string
}

// Occurrences lists the occurrences of a notice, oldest first.
func (s *Store) Occurrences(ctx context.Context, noticeID int64) ([]Occurrence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, due_at, status, reason FROM occurrences
		WHERE notice_id = ? ORDER BY due_at`, noticeID)
	if err != nil {
		return nil, fmt.Errorf("occurrences of notice %d: %w", noticeID, err)
	}
	defer rows.Close()
	var out []Occurrence
	for rows.Next() {
		var o Occurrence
		var due string
		if err := rows.Scan(&o.ID, &due, &o.Status, &o.Reason); err != nil {
			return nil, err
		}
		o.DueAt = parseText(due)
		out = append(out, o)
	}
	return out, rows.Err()
}
