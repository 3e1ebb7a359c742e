package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PausedReason is why an occurrence that fell due while its notice was
// paused was skipped: it is not sent later, on resume or ever.
const PausedReason = "bỏ qua: thông báo đang tạm dừng lúc đến giờ gửi; lượt này không gửi bù"

// Pause is a recurring notice's latest pause.
type Pause struct {
	At        time.Time
	By        string
	ResumedAt time.Time // zero while paused
	ResumedBy string
}

// Paused reports whether the notice is paused now.
func (p Pause) Paused() bool { return !p.At.IsZero() && p.ResumedAt.IsZero() }

// NoticePause returns notice id's latest pause; zero if it was never paused.
func (s *Store) NoticePause(ctx context.Context, id int64) (Pause, error) {
	var at, by, rby string
	var rat sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT paused_at, paused_by, resumed_at, resumed_by FROM notice_pauses
		WHERE notice_id = ?`, id).Scan(&at, &by, &rat, &rby)
	if errors.Is(err, sql.ErrNoRows) {
		return Pause{}, nil
	}
	if err != nil {
		return Pause{}, fmt.Errorf("get pause of notice %d: %w", id, err)
	}
	return Pause{At: parseText(at), By: by, ResumedAt: parseText(rat.String), ResumedBy: rby}, nil
}

// PauseNotice pauses approved recurring notice id: from now on none of its
// occurrences is sent, and its deliveries not yet sent (waiting for the
// morning, or retrying) are skipped, as are its occurrences held for a
// bulletin. The daemon records each occurrence that falls due while it is
// paused as skipped (Materialise). It returns how many deliveries it skipped.
func (s *Store) PauseNotice(ctx context.Context, id int64, actor string) (int, error) {
	var skipped int64
	err := s.update(ctx, func(tx *txn) error {
		n, err := scanNotice(tx.QueryRowContext(ctx, `SELECT `+fmt.Sprintf(noticeColumns, "NULL")+` FROM notices WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get notice %d: %w", id, err)
		}
		if n.Recurrence == "" {
			return fieldErr("status", "Thông báo số %d không lặp lại nên không tạm dừng được; muốn nó không gửi nữa thì hãy dừng hẳn.", id)
		}
		if n.Status != StatusApproved {
			return fieldErr("status", "Thông báo số %d đang ở trạng thái «%s»; chỉ tạm dừng được thông báo lặp lại đã duyệt.",
				id, n.Status.Label())
		}
		var paused bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notice_pauses WHERE notice_id = ? AND resumed_at IS NULL)`,
			id).Scan(&paused); err != nil {
			return fmt.Errorf("get pause of notice %d: %w", id, err)
		}
		if paused {
			return fieldErr("status", "Thông báo số %d đang tạm dừng rồi.", id)
		}
		now := fmtTime(tx.Now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_pauses (notice_id, paused_at, paused_by) VALUES (?, ?, ?)
			ON CONFLICT (notice_id) DO UPDATE SET paused_at = excluded.paused_at, paused_by = excluded.paused_by,
			resumed_at = NULL, resumed_by = ''`, id, now, actor); err != nil {
			return fmt.Errorf("pause notice %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', error = ?, updated_at = ?
			WHERE notice_id = ? AND status IN ('queued', 'retry')`, "Thông báo đã tạm dừng", now, id)
		if err != nil {
			return fmt.Errorf("skip deliveries of notice %d: %w", id, err)
		}
		skipped, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE occurrences SET status = 'skipped', reason = ?
			WHERE notice_id = ? AND status = 'held'`, PausedReason, id); err != nil {
			return fmt.Errorf("skip occurrences of notice %d: %w", id, err)
		}
		return tx.audit(ctx, actor, "notice.pause", id, 0, fmt.Sprintf("%d", skipped))
	})
	return int(skipped), err
}

// ResumeNotice resumes paused notice id: its next occurrence after now is
// sent as usual; the ones that fell due while it was paused are not.
func (s *Store) ResumeNotice(ctx context.Context, id int64, actor string) error {
	return s.update(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE notice_pauses SET resumed_at = ?, resumed_by = ?
			WHERE notice_id = ? AND resumed_at IS NULL`, fmtTime(tx.Now), actor, id)
		if err != nil {
			return fmt.Errorf("resume notice %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fieldErr("status", "Thông báo số %d không đang tạm dừng.", id)
		}
		return tx.audit(ctx, actor, "notice.resume", id, 0, "")
	})
}

// pausedAt reports, in tx, whether an occurrence of notice id due at due
// falls in its latest pause (paused then, or paused still).
func pausedAt(ctx context.Context, tx *txn, id int64, due time.Time) (bool, error) {
	var paused bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notice_pauses WHERE notice_id = ?1
		AND (resumed_at IS NULL OR (paused_at <= ?2 AND ?2 < resumed_at)))`, id, fmtTime(due)).Scan(&paused)
	if err != nil {
		return false, fmt.Errorf("get pause of notice %d: %w", id, err)
	}
	return paused, nil
}

// PausedNotices are the ids of the notices paused now, for lists that say
// when things next go out (a paused notice goes out at no time).
func (s *Store) PausedNotices(ctx context.Context) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT notice_id FROM notice_pauses WHERE resumed_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("list paused notices: %w", err)
	}
	defer rows.Close()
	m := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list paused notices: %w", err)
		}
		m[id] = true
	}
	return m, rows.Err()
}
