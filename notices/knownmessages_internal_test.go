package notices

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestKnownMessageIDsSearchesTheGroup: the lookup of message ids goes
// through deliveries_group, not a scan of every delivery, and the index of
// message ids that every recorded outcome wrote is gone (0017).
func TestKnownMessageIDsSearchesTheGroup(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "loaxa.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := queryPlan(t, s, knownMessagesSQL, "g1", `["m1","m2"]`)
	if !strings.Contains(p, "SEARCH deliveries USING INDEX deliveries_group (group_id=?)") || strings.Contains(p, "SCAN deliveries") {
		t.Errorf("plan of the message id lookup:\n%s\nwant a search of deliveries_group", p)
	}
	var idx []string
	irows, err := s.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('deliveries_message', 'deliveries_group')`)
	if err != nil {
		t.Fatal(err)
	}
	defer irows.Close()
	for irows.Next() {
		var n string
		if err := irows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		idx = append(idx, n)
	}
	if len(idx) != 1 || idx[0] != "deliveries_group" {
		t.Errorf("indexes = %v; want deliveries_group alone (deliveries_message dropped by 0017)", idx)
	}
}

// queryPlan is SQLite's plan for query on s, one step a line.
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
