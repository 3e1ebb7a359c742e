package notices

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// TestSendEvery is how often one notice may be test-sent: a test send is
// for a look at the message in the staff group, not a way around approval.
const TestSendEvery = time.Minute

// StaffTestHamlets lists the hamlets marked as the staff test group, whose
// Zalo groups "Gửi thử" sends to, active or not, by name.
func (s *Store) StaffTestHamlets(ctx context.Context) ([]Hamlet, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+hamletColumns+` FROM hamlets WHERE staff_test = 1 ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list test hamlets: %w", err)
	}
	defer rows.Close()
	var hs []Hamlet
	for rows.Next() {
		h, err := scanHamlet(rows)
		if err != nil {
			return nil, fmt.Errorf("list test hamlets: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// IsStaffTest reports whether hamlet code is marked as a staff test group.
func (s *Store) IsStaffTest(ctx context.Context, code string) (bool, error) {
	var on bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM hamlets WHERE code = ? AND staff_test = 1)`,
		strings.ToLower(strings.TrimSpace(code))).Scan(&on)
	if err != nil {
		return false, fmt.Errorf("get hamlet %s: %w", code, err)
	}
	return on, nil
}

// SetStaffTest marks or unmarks hamlet code as a staff test group, by actor.
func (s *Store) SetStaffTest(ctx context.Context, code string, on bool, actor string) error {
	return s.update(ctx, func(tx *txn) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM hamlets WHERE code = ?`, code).Scan(&id); err != nil {
			return ErrNotFound
		}
		v := 0
		if on {
			v = 1
		}
		if _, err := tx.ExecContext(ctx, `UPDATE hamlets SET staff_test = ?, updated_at = ? WHERE id = ?`,
			v, fmtTime(tx.Now), id); err != nil {
			return fmt.Errorf("mark hamlet %s: %w", code, err)
		}
		detail := "off"
		if on {
			detail = "on"
		}
		return tx.audit(ctx, actor, "hamlet.staff_test", 0, id, detail)
	})
}

// BeginTestSend records, before anything is sent, that actor is test-sending
// notice id to hamlet hamletID ("notice.test" in the audit log), unless the
// notice was test-sent less than TestSendEvery ago: it then returns how long
// to wait and records nothing. Check and record are one transaction.
func (s *Store) BeginTestSend(ctx context.Context, id, hamletID int64, actor, detail string) (time.Duration, error) {
	var wait time.Duration
	err := s.commit(ctx, func(tx *txn) error {
		var last string
		err := tx.QueryRowContext(ctx, `SELECT coalesce(max(at), '') FROM audit_log WHERE notice_id = ? AND action = 'notice.test'`,
			id).Scan(&last)
		if err != nil {
			return fmt.Errorf("get last test send of notice %d: %w", id, err)
		}
		if t := parseText(last); !t.IsZero() {
			if wait = t.Add(TestSendEvery).Sub(tx.Now); wait > 0 {
				return nil
			}
			wait = 0
		}
		return tx.audit(ctx, actor, "notice.test", id, hamletID, detail)
	})
	return wait, err
}

// RecordTestResult appends what Zalo answered to a test send of notice id
// ("notice.test_result"). A test send is no delivery: no deliveries row, no
// count, nothing the daemon plans from.
func (s *Store) RecordTestResult(ctx context.Context, id, hamletID int64, actor, detail string) error {
	return s.commit(ctx, func(tx *txn) error {
		return tx.audit(ctx, actor, "notice.test_result", id, hamletID, detail)
	})
}
