package notices

import (
	"context"
	"fmt"
)

// Hamlet writes by id, for the site: with several communes a hamlet code
// names one hamlet only within its commune, so a page that has found the
// hamlet in its commune changes that one, never another commune's hamlet
// of the same code.

// SetHamletActiveID includes or excludes hamlet id from deliveries.
func (s *Store) SetHamletActiveID(ctx context.Context, actor string, id int64, active bool) error {
	h, err := s.HamletByID(ctx, id)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE hamlets SET active = ?, updated_at = ? WHERE id = ?`,
			active, fmtTime(tx.Now), h.ID); err != nil {
			return fmt.Errorf("set hamlet %s active: %w", h.Code, err)
		}
		action := "hamlet.enable"
		if !active {
			action = "hamlet.disable"
		}
		return tx.audit(ctx, actor, action, 0, h.ID, h.Code)
	})
}

// IsStaffTestID reports whether hamlet id is marked as a staff test group.
func (s *Store) IsStaffTestID(ctx context.Context, id int64) (bool, error) {
	var on bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM hamlets WHERE id = ? AND staff_test = 1)`, id).
		Scan(&on); err != nil {
		return false, fmt.Errorf("get hamlet %d: %w", id, err)
	}
	return on, nil
}

// SetStaffTestID marks or unmarks hamlet id as a staff test group, by actor.
func (s *Store) SetStaffTestID(ctx context.Context, id int64, on bool, actor string) error {
	return s.update(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE hamlets SET staff_test = ?, updated_at = ? WHERE id = ?`, on, fmtTime(tx.Now), id)
		if err != nil {
			return fmt.Errorf("mark hamlet %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		detail := "off"
		if on {
			detail = "on"
		}
		return tx.audit(ctx, actor, "hamlet.staff_test", 0, id, detail)
	})
}
