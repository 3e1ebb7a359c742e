package notices

import (
	"context"
	"fmt"
	"strings"
)

// What one commune's staff may see (the site's scoping, docs/SECURITY.md):
// their commune's own notices, hamlets, deliveries and audit entries, and
// the province-wide notices aimed at it, read-only.

// reachSQL is true when the notices row (its commune and targets columns)
// belongs to commune ?N or is a province-wide notice aimed at it: at every
// commune, at the commune itself, or at one of its hamlets ("code/hamlet").
func reachSQL(arg string) string {
	return `(commune = ` + arg + ` OR (commune = '*' AND (targets = 'all'
		OR ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ` + arg + ` || ',%'
		OR ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ` + arg + ` || '/%')))`
}

// Reaches reports whether notice n concerns commune code: it is the
// commune's own, or a province-wide notice aimed at all communes, at this
// one, or at one of its hamlets.
func Reaches(n *Notice, code string) bool {
	if n.Commune == code {
		return true
	}
	if n.Commune != Province {
		return false
	}
	if len(n.Targets) == 0 {
		return true // 'all'
	}
	for _, t := range n.Targets {
		c, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(t)), "/")
		if c == code {
			return true
		}
	}
	return false
}

// TargetsIn keeps the targets of a province-wide notice that are in
// commune code, without the commune ("an-phu/ap-1" → "ap-1"); nil when the
// notice is aimed at the whole commune. A commune's own notice keeps its
// targets as they are.
func TargetsIn(n *Notice, code string) []string {
	if n.Commune != Province {
		return n.Targets
	}
	var out []string
	for _, t := range n.Targets {
		c, h, ok := strings.Cut(strings.ToLower(strings.TrimSpace(t)), "/")
		switch {
		case c != code:
		case !ok:
			return nil
		default:
			out = append(out, h)
		}
	}
	return out
}

// UsersOf lists the accounts of commune communeID (0: the province's).
func (s *Store) UsersOf(ctx context.Context, communeID int64) ([]User, error) {
	us, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []User
	for _, u := range us {
		if u.CommuneID == communeID {
			out = append(out, u)
		}
	}
	return out, nil
}

// ActivityOf is RecentActivity for the notices ids, counting the
// deliveries to commune communeID's groups alone (0: every commune's): a
// commune's dashboard reads its own notices, and its part of the
// province's, however many newer notices other communes have.
func (s *Store) ActivityOf(ctx context.Context, communeID int64, ids []int64) (map[int64]*Activity, error) {
	out := map[int64]*Activity{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{communeID, communeID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i], args = "?", append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.notice_id, d.status, count(*), min(d.sent_at), max(d.sent_at)
		FROM deliveries d
		WHERE (? = 0 OR d.commune_id = ?) AND d.notice_id IN (`+strings.Join(marks, ",")+`) AND `+liveFailureSQL+`
		GROUP BY d.notice_id, d.status`, args...)
	if err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	if err := collectActivity(rows, out); err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	return out, nil
}
