package notices

import (
	"context"
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
