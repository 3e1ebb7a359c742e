package notices

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// HeldOccurrence is a due occurrence of a low notice waiting for the next
// bulletin slot.
type HeldOccurrence struct {
	OccurrenceID int64
	DueAt        time.Time
	Notice       *Notice
}

// HeldOccurrences lists the held occurrences due at or before t, oldest first.
func (s *Store) HeldOccurrences(ctx context.Context, t time.Time) ([]HeldOccurrence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, notice_id, due_at FROM occurrences
		WHERE status = 'held' AND due_at <= ? ORDER BY due_at, id`, fmtTime(t))
	if err != nil {
		return nil, fmt.Errorf("list held occurrences: %w", err)
	}
	var held []HeldOccurrence
	var ids []int64
	for rows.Next() {
		var h HeldOccurrence
		var due string
		var nid int64
		if err := rows.Scan(&h.OccurrenceID, &nid, &due); err != nil {
			rows.Close()
			return nil, err
		}
		h.DueAt = parseText(due)
		held = append(held, h)
		ids = append(ids, nid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range held {
		n, err := s.Notice(ctx, ids[i])
		if err != nil {
			return nil, fmt.Errorf("held occurrence %d: %w", held[i].OccurrenceID, err)
		}
		held[i].Notice = n
	}
	return held, nil
}

// BulletinPlan is one hamlet's bulletin at one slot.
type BulletinPlan struct {
	Target      Target
	Occurrences []int64 // the held occurrences it gathers
	Parts       []string
	NotBefore   time.Time
}

// MaterialiseBulletins records the bulletins of one slot, their items and
// their deliveries, marks the gathered occurrences 'bulletined', and
// remembers the slot, all in one transaction. A hamlet that already has a
// bulletin for the slot is left alone, so doing it twice does nothing.
func (s *Store) MaterialiseBulletins(ctx context.Context, slot time.Time, plans []BulletinPlan, gathered []int64) error {
	return s.commit(ctx, func(tx *txn) error {
		now, at := fmtTime(tx.Now), fmtTime(slot)
		for _, p := range plans {
			res, err := tx.ExecContext(ctx, `INSERT INTO bulletins (slot_at, hamlet_id, created_at) VALUES (?, ?, ?)
				ON CONFLICT (slot_at, hamlet_id) DO NOTHING`, at, p.Target.HamletID, now)
			if err != nil {
				return fmt.Errorf("insert bulletin: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			bid, err := res.LastInsertId()
			if err != nil {
				return err
			}
			for _, occ := range p.Occurrences {
				if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_items (bulletin_id, occurrence_id, hamlet_id)
					VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, bid, occ, p.Target.HamletID); err != nil {
					return fmt.Errorf("insert bulletin item: %w", err)
				}
			}
			next := fmtTime(maxTime(slot, p.NotBefore))
			for i, body := range p.Parts {
				if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (bulletin_id, hamlet_id, group_id, part, parts,
					body, priority, status, due_at, next_attempt_at, created_at, updated_at, commune_id)
					VALUES (?1, ?2, ?3, ?4, ?5, ?6, 2, 'queued', ?7, ?8, ?9, ?10, (SELECT commune_id FROM hamlets WHERE id = ?2))`,
					bid, p.Target.HamletID, p.Target.GroupID, i+1, len(p.Parts), body, at, next, now, now); err != nil {
					return fmt.Errorf("insert bulletin delivery: %w", err)
				}
			}
		}
		for _, occ := range gathered {
			if _, err := tx.ExecContext(ctx, `UPDATE occurrences SET status = 'bulletined' WHERE id = ? AND status = 'held'`,
				occ); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES ('bulletin_slot', ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, at, now)
		return err
	})
}

// LastBulletinSlot is the newest bulletin slot handled, or the zero time.
func (s *Store) LastBulletinSlot(ctx context.Context) (time.Time, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = 'bulletin_slot'`).Scan(&v)
	if err == sql.ErrNoRows {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return parseText(v), nil
}
