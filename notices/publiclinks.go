package notices

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PublicRef names another public notice: a follow-up (a correction or a
// withdrawal) of the one shown, or the original a follow-up is about.
type PublicRef struct {
	ID     int64
	Kind   Kind
	Title  string
	SentAt time.Time // when it first reached a group
}

// Corrected and Withdrawn say whether a correction or a withdrawal of p
// has reached residents.
func (p PublicNotice) Corrected() bool { return p.hasFollowUp(KindUpdate) }
func (p PublicNotice) Withdrawn() bool { return p.hasFollowUp(KindCancel) }

func (p PublicNotice) hasFollowUp(k Kind) bool {
	for _, f := range p.FollowUps {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// publicLinks fills p's follow-ups that went out, oldest first, and the
// original it refers to when that went out: residents reading either find
// the other. A follow-up still waiting for approval or for its time is not
// shown, so that the page never says more than the groups were told.
func (s *Store) publicLinks(ctx context.Context, p *PublicNotice) error {
	rows, err := s.db.QueryContext(ctx, `SELECT n.id, n.kind, n.title FROM notices n
		WHERE (n.refers_to = ?1 AND n.kind IN ('update', 'cancel') OR n.id = ?3) AND `+publicSent+`
		ORDER BY n.id`, p.ID, 0, p.RefersTo)
	if err != nil {
		return fmt.Errorf("links of public notice %d: %w", p.ID, err)
	}
	var refs []PublicRef
	for rows.Next() {
		var r PublicRef
		if err := rows.Scan(&r.ID, &r.Kind, &r.Title); err != nil {
			rows.Close()
			return fmt.Errorf("links of public notice %d: %w", p.ID, err)
		}
		refs = append(refs, r)
	}
	rows.Close() // one connection: close before the next query
	if err := rows.Err(); err != nil {
		return fmt.Errorf("links of public notice %d: %w", p.ID, err)
	}
	for _, r := range refs {
		var sent sql.NullString
		if err := s.db.QueryRowContext(ctx, `SELECT min(sent_at) FROM deliveries WHERE notice_id = ? AND status = 'sent'`,
			r.ID).Scan(&sent); err != nil {
			return fmt.Errorf("links of public notice %d: %w", p.ID, err)
		}
		r.SentAt, _ = parseTime(sent)
		if r.ID == p.RefersTo && p.RefersTo != 0 {
			o := r
			p.Original = &o
		} else {
			p.FollowUps = append(p.FollowUps, r)
		}
	}
	return nil
}
