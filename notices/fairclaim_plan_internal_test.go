package notices

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestFairRowsSearchEachCommune: a claim in turns reads each commune's
// first due rows with one search of deliveries_due keyed by commune (0018),
// not a scan of every due row.
func TestFairRowsSearchEachCommune(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "loaxa.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, q := range map[string]string{"first rows": fairFirstSQL, "first k rows": fairRowsSQL} {
		p := queryPlan(t, s, q, "[1,2]", RankNormal, "2026-12-02 00:00:00", "2026-12-02 00:00:00", 2)
		if !strings.Contains(p, "SCAN c VIRTUAL TABLE") ||
			!strings.Contains(p, "SEARCH d USING INDEX deliveries_due (commune_id=? AND priority=? AND next_attempt_at<?)") ||
			!strings.Contains(p, "SEARCH x USING INDEX deliveries_group_later_parts (group_id=?)") ||
			strings.Contains(p, "SCAN d") || strings.Contains(p, "SCAN o") || strings.Contains(p, "SCAN x") {
			t.Errorf("plan of the claim in turns' %s:\n%s\nwant the communes outside and a search of deliveries_due per commune", name, p)
		}
	}
}

// TestOldestDueReadsTheLiveRows: the oldest due delivery, which every
// /metrics scrape and health check asks for, is read through the indexes of
// the rows still to send and of those claimed, not by a scan of every
// delivery ever made.
func TestOldestDueReadsTheLiveRows(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "loaxa.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := queryPlan(t, s, oldestDueSQL, "2026-12-02 00:00:00", RankUrgent, RankLow)
	if !strings.Contains(p, "USING INDEX deliveries_due") || !strings.Contains(p, "USING INDEX deliveries_sending") ||
		strings.Contains(p, "SCAN d\n") || strings.HasSuffix(p, "SCAN d") {
		t.Errorf("plan of the oldest due delivery:\n%s\nwant deliveries_due and deliveries_sending, no scan of deliveries", p)
	}
}
