package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Queries for the staff dashboard and the public archive. They read only
// the newest notices, through the primary key and deliveries_notice, so
// their cost does not grow with the delivery history.

// Activity sums up the deliveries of one notice, over all its occurrences
// and hamlets.
type Activity struct {
	NoticeID    int64
	Count       map[DeliveryState]int
	FirstSentAt time.Time
	LastSentAt  time.Time
}

// Total is the number of deliveries made so far.
func (a Activity) Total() int {
	n := 0
	for _, c := range a.Count {
		n += c
	}
	return n
}

// Pending counts the deliveries still to go: queued, sending or retrying.
func (a Activity) Pending() int {
	return a.Count[DeliveryQueued] + a.Count[DeliverySending] + a.Count[DeliveryRetry]
}

// RecentActivity returns the delivery counts of the newest limit notices
// that have deliveries, by notice id.
func (s *Store) RecentActivity(ctx context.Context, limit int) (map[int64]*Activity, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.notice_id, d.status, count(*), min(d.sent_at), max(d.sent_at)
		FROM deliveries d
		WHERE d.notice_id IN (SELECT id FROM notices ORDER BY id DESC LIMIT ?) AND `+liveFailureSQL+`
		GROUP BY d.notice_id, d.status`, limit)
	if err != nil {
		return nil, fmt.Errorf("recent activity: %w", err)
	}
	out := map[int64]*Activity{}
	if err := collectActivity(rows, out); err != nil {
		return nil, fmt.Errorf("recent activity: %w", err)
	}
	return out, nil
}

// collectActivity adds rows of (notice_id, status, count, first sent_at,
// last sent_at) to out, and closes rows.
func collectActivity(rows *sql.Rows, out map[int64]*Activity) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var st DeliveryState
		var n int
		var first, last sql.NullString
		if err := rows.Scan(&id, &st, &n, &first, &last); err != nil {
			return err
		}
		a := out[id]
		if a == nil {
			a = &Activity{NoticeID: id, Count: map[DeliveryState]int{}}
			out[id] = a
		}
		a.Count[st] += n
		if t, _ := parseTime(first); !t.IsZero() && (a.FirstSentAt.IsZero() || t.Before(a.FirstSentAt)) {
			a.FirstSentAt = t
		}
		if t, _ := parseTime(last); t.After(a.LastSentAt) {
			a.LastSentAt = t
		}
	}
	return rows.Err()
}

// PublicNotice is what residents may see of a notice that went out: no
// author, approver, group ids or failure reasons.
type PublicNotice struct {
	ID        int64
	Title     string
	Body      string
	Category  string
	Priority  Priority
	Kind      Kind
	RefersTo  int64
	HasImage  bool
	SentAt    time.Time // when its first part reached a group
	Hamlets   []string  // names of the hamlets it reached
	CreatedAt time.Time
	Commune   string      // its commune's code, or Province (PublicNoticesOf, PublicNoticeByID)
	FollowUps []PublicRef // its corrections and withdrawals that went out
	Original  *PublicRef  // for a follow-up, the notice it is about, if that went out
}

// publicSent says whether notice n.id reached hamlet ?2 (any hamlet when
// ?2 is 0): directly, or gathered into a bulletin.
const publicSent = `(EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = n.id AND d.status = 'sent'
		AND (?2 = 0 OR d.hamlet_id = ?2))
	OR EXISTS (SELECT 1 FROM occurrences o JOIN bulletin_items bi ON bi.occurrence_id = o.id
		JOIN deliveries d ON d.bulletin_id = bi.bulletin_id AND d.hamlet_id = bi.hamlet_id
		WHERE o.notice_id = n.id AND d.status = 'sent' AND (?2 = 0 OR bi.hamlet_id = ?2)))`

// PublicNotices lists notices that reached at least one group (hamletID:
// that hamlet's; 0: any), newest first by when they fell due.
func (s *Store) PublicNotices(ctx context.Context, hamletID int64, limit, offset int) ([]PublicNotice, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT n.id, n.title, n.body, n.category, n.priority, n.kind,
			coalesce(n.refers_to, 0), n.image_type IS NOT NULL, n.created_at
		FROM notices n WHERE `+publicSent+`
		-- newest first by when it fell due (a notice written Monday for Friday
		-- is Friday's news; a recurring one rises with each occurrence)
		ORDER BY coalesce(n.last_due_at, n.approved_at, n.created_at) DESC, n.id DESC
		LIMIT ?1 OFFSET ?3`, limit, hamletID, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("public notices: %w", err)
	}
	return s.readPublicNotices(ctx, rows, reachAll)
}

// reachScope says which hamlets a public notice names as reached.
type reachScope struct {
	withCommune bool  // the list reads each notice's commune (PublicNoticesOf)
	commune     int64 // only this commune's hamlets; 0: every hamlet
	tagCommune  bool  // each hamlet followed by its commune: the province's page
}

var reachAll = reachScope{}

// readPublicNotices reads the rows of a public list (the columns of
// PublicNotices, then the commune's code when sc.withCommune), closes them,
// and adds each notice's reach (as sc says) and links.
func (s *Store) readPublicNotices(ctx context.Context, rows *sql.Rows, sc reachScope) ([]PublicNotice, error) {
	var out []PublicNotice
	for rows.Next() {
		var p PublicNotice
		var created sql.NullString
		dest := []any{&p.ID, &p.Title, &p.Body, &p.Category, &p.Priority, &p.Kind, &p.RefersTo, &p.HasImage, &created}
		if sc.withCommune {
			dest = append(dest, &p.Commune)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("public notices: %w", err)
		}
		p.CreatedAt, _ = parseTime(created)
		out = append(out, p)
	}
	rows.Close() // one connection: close before the next query
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public notices: %w", err)
	}
	for i := range out {
		if err := s.publicReach(ctx, &out[i], sc); err != nil {
			return nil, err
		}
		if err := s.publicLinks(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PublicNoticeByID returns notice id, with its commune, if it reached a
// group, else ErrNotFound. With several communes a province notice's
// hamlets are each followed by their commune (hamlet codes and names are
// a commune's own).
func (s *Store) PublicNoticeByID(ctx context.Context, id int64) (*PublicNotice, error) {
	var p PublicNotice
	var created sql.NullString
	var multi bool
	err := s.db.QueryRowContext(ctx, `SELECT n.id, n.title, n.body, n.category, n.priority, n.kind,
			coalesce(n.refers_to, 0), n.image_type IS NOT NULL, n.created_at, coalesce(n.commune, ''),
			(SELECT count(*) FROM communes) > 1
		FROM notices n WHERE n.id = ?1 AND `+publicSent, id, 0).Scan(&p.ID, &p.Title, &p.Body, &p.Category,
		&p.Priority, &p.Kind, &p.RefersTo, &p.HasImage, &created, &p.Commune, &multi)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("public notice %d: %w", id, err)
	}
	p.CreatedAt, _ = parseTime(created)
	if err := s.publicReach(ctx, &p, reachScope{tagCommune: multi && p.Commune == Province}); err != nil {
		return nil, err
	}
	if err := s.publicLinks(ctx, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// publicReach fills when p was first sent and the hamlets it reached, of
// the commune sc names (every commune's when 0). Two communes may each have
// an «Ấp 1»: on the province's page each is followed by its commune.
func (s *Store) publicReach(ctx context.Context, p *PublicNotice, sc reachScope) error {
	rows, err := s.db.QueryContext(ctx, `SELECT h.name, coalesce(c.name, ''), min(d.sent_at) FROM (
			SELECT d.hamlet_id, d.sent_at FROM deliveries d WHERE d.notice_id = ?1 AND d.status = 'sent'
			UNION ALL
			SELECT d.hamlet_id, d.sent_at FROM occurrences o JOIN bulletin_items bi ON bi.occurrence_id = o.id
				JOIN deliveries d ON d.bulletin_id = bi.bulletin_id AND d.hamlet_id = bi.hamlet_id
			WHERE o.notice_id = ?1 AND d.status = 'sent'
		) d JOIN hamlets h ON h.id = d.hamlet_id LEFT JOIN communes c ON c.id = h.commune_id
		WHERE ?2 = 0 OR h.commune_id = ?2
		GROUP BY h.id ORDER BY c.code, h.code`, p.ID, sc.commune)
	if err != nil {
		return fmt.Errorf("reach of notice %d: %w", p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, commune string
		var sent sql.NullString
		if err := rows.Scan(&name, &commune, &sent); err != nil {
			return fmt.Errorf("reach of notice %d: %w", p.ID, err)
		}
		if sc.tagCommune && commune != "" {
			name += " (" + strings.TrimPrefix(commune, "UBND ") + ")"
		}
		p.Hamlets = append(p.Hamlets, name)
		if t, _ := parseTime(sent); !t.IsZero() && (p.SentAt.IsZero() || t.Before(p.SentAt)) {
			p.SentAt = t
		}
	}
	return rows.Err()
}
