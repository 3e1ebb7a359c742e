package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Occurrence states.
const (
	OccurrenceQueued     = "queued"     // deliveries were made
	OccurrenceHeld       = "held"       // a low notice waiting for its bulletin
	OccurrenceBulletined = "bulletined" // gathered into the bulletins of its hamlets
	OccurrenceSkipped    = "skipped"    // late, expired or withdrawn
)

// Target is a hamlet group a delivery goes to.
type Target struct {
	HamletID  int64
	GroupID   string
	CommuneID int64 // the hamlet's commune, whose OA sends; 0 when not known (the store looks it up)
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
	Priority  PriorityRank
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
		if p.Status == OccurrenceQueued || p.Status == OccurrenceHeld {
			// A paused notice's occurrence is recorded as skipped (pause.go).
			if paused, err := pausedAt(ctx, tx, p.NoticeID, p.DueAt); err != nil {
				return err
			} else if paused {
				p.Status, p.Reason = OccurrenceSkipped, PausedReason
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO occurrences (notice_id, due_at, status, reason, created_at, commune_id)
			VALUES (?1, ?2, ?3, ?4, ?5, (SELECT commune_id FROM notices WHERE id = ?1)) ON CONFLICT (notice_id, due_at) DO NOTHING`,
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
			// The text of each part is kept once for the occurrence
			// (0012_occurrence_texts.sql); the delivery rows, which
			// change state twice each, carry none.
			for i, body := range p.Parts {
				if _, err := tx.ExecContext(ctx, `INSERT INTO occurrence_texts (occurrence_id, part, body)
					VALUES (?, ?, ?)`, occID, i+1, body); err != nil {
					return fmt.Errorf("insert the text of part %d: %w", i+1, err)
				}
			}
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id,
				part, parts, body, with_image, priority, status, due_at, next_attempt_at, created_at, updated_at, commune_id)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7, ?8, 'queued', ?9, ?10, ?11, ?12,
					(SELECT commune_id FROM hamlets WHERE id = ?3))`)
			if err != nil {
				return err
			}
			defer stmt.Close()
			due, next := fmtTime(p.DueAt), fmtTime(maxTime(p.DueAt, p.NotBefore))
			for _, t := range p.Targets {
				for i := range p.Parts {
					withImage := p.WithImage && i == 0
					if _, err := stmt.ExecContext(ctx, p.NoticeID, occID, t.HamletID, t.GroupID, i+1, len(p.Parts),
						withImage, p.Priority, due, next, now, now); err != nil {
						return fmt.Errorf("insert delivery for hamlet %d part %d: %w", t.HamletID, i+1, err)
					}
				}
			}
		}
		if p.Status == OccurrenceQueued {
			// Earlier runs still held for quiet hours give way (supersede.go).
			if err := s.supersede(ctx, tx, p.NoticeID, p.DueAt); err != nil {
				return err
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

// reachedSQL lists the hamlets (ids) that received, or may be receiving,
// some part of notice :orig (named so that NoticeDeliveries can share it).
const reachedSQL = `SELECT d.hamlet_id FROM deliveries d
		WHERE d.notice_id = :orig AND d.status IN ('sent', 'sending')
		UNION
		SELECT d.hamlet_id FROM bulletin_items i JOIN occurrences o ON o.id = i.occurrence_id
		JOIN deliveries d ON d.bulletin_id = i.bulletin_id
		WHERE o.notice_id = :orig AND d.status IN ('sent', 'sending')`

// ReachedHamlets lists the hamlets that received, or may be receiving, some
// part of notice id: where a correction or withdrawal must go.
func (s *Store) ReachedHamlets(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, reachedSQL, sql.Named("orig", id))
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

// Attachment returns the Zalo attachment uploaded for an occurrence's image
// and when it was uploaded, empty when there is none yet; and the
// occurrence's commune, 0 for a province notice's (whose communes' OAs
// each upload their own: an attachment is its OA's alone).
func (s *Store) Attachment(ctx context.Context, occurrenceID int64) (string, time.Time, int64, error) {
	var id, at sql.NullString
	var commune sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT attachment_id, uploaded_at, commune_id FROM occurrences WHERE id = ?`,
		occurrenceID).Scan(&id, &at, &commune)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, 0, ErrNotFound
	}
	if err != nil || !id.Valid {
		return "", time.Time{}, commune.Int64, err
	}
	t, _ := parseTime(at)
	return id.String, t, commune.Int64, nil
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

// LiveNotices lists approved notices not set aside, oldest first, without
// their images.
func (s *Store) LiveNotices(ctx context.Context) ([]*Notice, error) {
	// The IN term is the partial index notices_live's own condition:
	// without it SQLite cannot tell that the index covers the rows, and
	// scans every notice ever written (BenchmarkDuePoll).
	// Notices set aside (damaged_at) are left out; one that is damaged but
	// not yet set aside comes back with Damaged set, for the daemon to set
	// aside, instead of failing the list.
	rows, err := s.db.QueryContext(ctx, `SELECT `+fmt.Sprintf(noticeColumns, "NULL")+`
		FROM notices WHERE status IN ('pending', 'approved') AND status = 'approved' AND damaged_at IS NULL ORDER BY id`)
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
