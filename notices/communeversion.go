package notices

import (
	"context"
	"fmt"
)

// CommunesVersion is a fingerprint of the communes table: every column the
// daemon's routing follows (id, code, active, rate limit). It changes when
// `loaxa commune add|edit|enable|disable|rename` or another
// program's SQL changes any of them, so that the daemon reads the table
// again only then: one statement over a table of about a hundred rows.
func (s *Store) CommunesVersion(ctx context.Context) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT count(*) || '|' || coalesce(group_concat(v, ','), '') FROM (
		SELECT id || ':' || code || ':' || active || ':' || coalesce(rate_per_min, 0) AS v FROM communes ORDER BY id)`).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("read the communes' version: %w", err)
	}
	return v, nil
}
