package notices_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// BenchmarkKnownMessageIDs times the reconciler's question (which of a
// history page's 50 message ids are recorded on a delivery?) on a database
// of 1,100,000 sent deliveries with random 20-hex-digit message ids: 1,000
// groups of 1,000 deliveries each (a notice a day for three years) and one
// group of 100,000 (a hundred a day). Half of the 50 ids asked are the group's own, half are
// recorded nowhere.
//
//	us/lookup_typical  a group of 1,000 deliveries (one a day)
//	us/lookup_heavy    the group of 100,000 (a hundred a day)
//	us/lookup_old      the lookup before 0017: every delivery's message id,
//	                   through an index of them (made for the measurement,
//	                   then dropped)
//
// The database is built once (about a minute) and kept as
// $TMPDIR/loaxa-bench/known-s<schema>-b3.db; delete it to rebuild.
func BenchmarkKnownMessageIDs(b *testing.B) {
	ctx := context.Background()
	path := knownDB(b)
	s, err := notices.Open(ctx, path, notices.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db := rawDB(b, path)
	// A history page: the group's 25 latest messages and 25 others (and
	// the time of the oldest).
	ask := func(group string) ([]string, time.Time) {
		rows, err := db.Query(`SELECT message_id, sent_at FROM deliveries WHERE group_id = ?
			ORDER BY sent_at DESC LIMIT 25`, group)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		var ids []string
		var oldest string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id, &oldest); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, id)
		}
		for i := range 25 {
			ids = append(ids, fmt.Sprintf("%020x", i))
		}
		at, err := time.Parse("2006-01-02 15:04:05", oldest)
		if err != nil {
			b.Fatal(err)
		}
		return ids, at
	}
	typical, _ := ask("g-500")
	heavy, _ := ask("g-heavy")
	lookup := func(group string, ids []string) time.Duration {
		t0 := time.Now()
		known, err := s.KnownMessageIDs(ctx, group, ids)
		if err != nil || len(known) != 25 {
			b.Fatalf("KnownMessageIDs(%s) = %d known, %v; want 25", group, len(known), err)
		}
		return time.Since(t0)
	}
	var tTyp, tHeavy, tOld time.Duration
	b.ResetTimer()
	for range b.N {
		tTyp += lookup("g-500", typical)
		tHeavy += lookup("g-heavy", heavy)
	}
	b.StopTimer()
	if _, err := db.Exec(`CREATE INDEX bench_message ON deliveries (message_id) WHERE message_id IS NOT NULL`); err != nil {
		b.Fatal(err)
	}
	defer db.Exec(`DROP INDEX bench_message`)
	list, _ := json.Marshal(typical)
	for range b.N {
		t0 := time.Now()
		rows, err := db.Query(`SELECT DISTINCT message_id FROM deliveries
			WHERE message_id IN (SELECT value FROM json_each(?))`, string(list))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		tOld += time.Since(t0)
		if n != 25 {
			b.Fatalf("old lookup found %d; want 25", n)
		}
	}
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	b.ReportMetric(us(tTyp), "us/lookup_typical")
	b.ReportMetric(us(tHeavy), "us/lookup_heavy")
	b.ReportMetric(us(tOld), "us/lookup_old")
}

// knownDB builds (once) the database of BenchmarkKnownMessageIDs.
func knownDB(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "loaxa-bench")
	path := filepath.Join(dir, fmt.Sprintf("known-s%d-b3.db", notices.LatestSchema()))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	tmp := path + ".building"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	s, err := notices.Open(context.Background(), tmp, notices.Options{})
	if err != nil {
		b.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite3", "file:"+tmp+"?_busy_timeout=5000&_journal_mode=WAL")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	// Foreign keys are off on this connection: the rows refer to notices
	// and occurrences by number only, which the lookup never reads.
	for _, q := range []string{
		`INSERT INTO hamlets (id, code, name, group_id)
		 WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
		 SELECT x, 'khom-' || x, 'Khóm ' || x, 'g-' || x FROM c
		 UNION ALL SELECT 1001, 'khom-heavy', 'Khóm lớn', 'g-heavy'`,
		`INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id, body, status, due_at, next_attempt_at,
			attempts, claimed_at, sent_at, message_id, commune_id)
		 WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
		 SELECT c.x, c.x, h.id, h.group_id, '', 'sent', '2026-01-01 07:00:00', '2026-01-01 07:00:00',
			1, '2026-01-01 07:00:00', datetime('2023-06-01 07:00:00', '+' || c.x || ' days'), lower(hex(randomblob(10))), 1
		 FROM c CROSS JOIN hamlets h WHERE h.id <= 1000 ORDER BY c.x, h.id`,
		`INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id, body, status, due_at, next_attempt_at,
			attempts, claimed_at, sent_at, message_id, commune_id)
		 WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
		 SELECT c.x, c.x, 1001, 'g-heavy', '', 'sent', '2026-01-01 07:00:00', '2026-01-01 07:00:00',
			1, '2026-01-01 07:00:00', datetime('2023-06-01 07:00:00', '+' || (c.x / 100) || ' days', '+' || (c.x % 100) || ' minutes'),
			lower(hex(randomblob(10))), 1 FROM c`,
		`PRAGMA wal_checkpoint(TRUNCATE)`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("build the database: %v", err)
		}
	}
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}
