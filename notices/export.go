package notices

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DeliveryRow is one delivery (one message part to one hamlet's group) as
// the deliveries report lists it.
type DeliveryRow struct {
	ID         int64
	DueAt      time.Time
	SentAt     time.Time
	NoticeID   int64 // 0 for a bulletin
	Title      string
	BulletinOf []int64 // a bulletin's notices
	Hamlet     string  // the hamlet's name
	CommuneID  int64   // the hamlet's commune
	GroupID    string
	Part       int
	Parts      int
	Status     DeliveryState
	Attempts   int
	ErrorCode  int
	Error      string
}

// DeliveriesPage lists up to limit deliveries due in [since, until), of id
// greater than afterID, by id: a report reads them a page at a time, so
// that no read holds the database's one connection while a slow client
// downloads.
func (s *Store) DeliveriesPage(ctx context.Context, since, until time.Time, afterID int64, limit int) ([]DeliveryRow, error) {
	return s.DeliveriesPageOf(ctx, 0, since, until, afterID, limit)
}

// DeliveriesPageOf is DeliveriesPage for the hamlets of commune communeID
// alone (0: every commune).
func (s *Store) DeliveriesPageOf(ctx context.Context, communeID int64, since, until time.Time, afterID int64, limit int) ([]DeliveryRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.due_at, d.sent_at, COALESCE(d.notice_id, 0), COALESCE(n.title, ''),
		COALESCE((SELECT group_concat(o.notice_id) FROM bulletin_items bi JOIN occurrences o ON o.id = bi.occurrence_id
			WHERE bi.bulletin_id = d.bulletin_id AND bi.hamlet_id = d.hamlet_id), ''),
		h.name, coalesce(h.commune_id, 0), d.group_id, d.part, d.parts, d.status, d.attempts, COALESCE(d.error_code, 0), d.error
		FROM deliveries d JOIN hamlets h ON h.id = d.hamlet_id LEFT JOIN notices n ON n.id = d.notice_id
		WHERE d.due_at >= ? AND d.due_at < ? AND d.id > ? AND (? = 0 OR h.commune_id = ?) ORDER BY d.id LIMIT ?`,
		fmtTime(since), fmtTime(until), afterID, communeID, communeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []DeliveryRow
	for rows.Next() {
		var r DeliveryRow
		var due, sent sql.NullString
		var of string
		if err := rows.Scan(&r.ID, &due, &sent, &r.NoticeID, &r.Title, &of, &r.Hamlet, &r.CommuneID, &r.GroupID, &r.Part, &r.Parts,
			&r.Status, &r.Attempts, &r.ErrorCode, &r.Error); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		if r.DueAt, err = parseTime(due); err != nil {
			return nil, fmt.Errorf("delivery %d: %w", r.ID, err)
		}
		if r.SentAt, err = parseTime(sent); err != nil {
			return nil, fmt.Errorf("delivery %d: %w", r.ID, err)
		}
		for _, f := range strings.Split(of, ",") {
			if id, err := strconv.ParseInt(f, 10, 64); err == nil {
				r.BulletinOf = append(r.BulletinOf, id)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
