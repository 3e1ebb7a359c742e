package notices

import (
	"context"
	"fmt"
)

// publicSentIn says whether notice n.id reached hamlet ?2 (any hamlet when
// ?2 is 0) of commune ?4 (any commune when ?4 is 0): directly, or gathered
// into a bulletin.
const publicSentIn = `(EXISTS (SELECT 1 FROM deliveries d JOIN hamlets h ON h.id = d.hamlet_id
		WHERE d.notice_id = n.id AND d.status = 'sent' AND (?2 = 0 OR d.hamlet_id = ?2) AND (?4 = 0 OR h.commune_id = ?4))
	OR EXISTS (SELECT 1 FROM occurrences o JOIN bulletin_items bi ON bi.occurrence_id = o.id
		JOIN deliveries d ON d.bulletin_id = bi.bulletin_id AND d.hamlet_id = bi.hamlet_id
		JOIN hamlets h ON h.id = bi.hamlet_id
		WHERE o.notice_id = n.id AND d.status = 'sent' AND (?2 = 0 OR bi.hamlet_id = ?2) AND (?4 = 0 OR h.commune_id = ?4)))`

// PublicNoticesOf is PublicNotices for the groups of commune communeID (0:
// every commune), with each notice's commune: a commune's public page
// lists its own notices and the province's that reached its groups.
func (s *Store) PublicNoticesOf(ctx context.Context, communeID, hamletID int64, limit, offset int) ([]PublicNotice, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT n.id, n.title, n.body, n.category, n.priority, n.kind,
			coalesce(n.refers_to, 0), n.image_type IS NOT NULL, n.created_at, coalesce(n.commune, '')
		FROM notices n WHERE `+publicSentIn+`
		ORDER BY coalesce(n.last_due_at, n.approved_at, n.created_at) DESC, n.id DESC
		LIMIT ?1 OFFSET ?3`, limit, hamletID, max(offset, 0), communeID)
	if err != nil {
		return nil, fmt.Errorf("public notices: %w", err)
	}
	// A province notice names, on a commune's page, that commune's hamlets
	// only; on the province's page, each with its commune.
	return s.readPublicNotices(ctx, rows, reachScope{withCommune: true, commune: communeID, tagCommune: communeID == 0})
}
