package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// BenchmarkProvincePollClaim is issue 14's "poll and claim cost stay flat
// with 100 communes and 1,000,000 historical deliveries (<= 2x a single
// commune's)". Two databases, each opened by openDaemon as `loaxa serve`
// opens it (so the province's runner has its Province sender, one client
// per commune, built by province.go):
//
//	single    one commune, 18 hamlets, no history;
//	province  100 communes of 18 hamlets, and the history of three busy
//	          years: 55,556 notices of the communes, each sent to its
//	          commune's 18 groups, 1,000,008 deliveries.
//
// Both hold the same 3 recurring notices, none due (the poll's work grows
// with the live notices, in one commune as in many).
//
//	poll   one poll cycle (Runner.RunOnce) with nothing due;
//	       poll_ratio = province / single (target <= 2).
//	claim  one claim batch of 64, as the dispatcher claims it, with 1,800
//	       deliveries due: the single commune's backlog of 100 notices to
//	       its 18 groups (Claim.Communes of one, by due time), against a
//	       province alert to the 1,800 groups (Claim.Communes, Fair); the
//	       batch is given back
//	       (untimed) after each claim. claim_ratio = province / single
//	       (target <= 2). For where the cost goes: bydue_us/claim is the
//	       province's claim by due time alone (not in turns: no daemon
//	       claims so, and since 0018 it sorts every due row), and
//	       single_fair_us/claim the single commune's claim in turns, and
//	       single_history_us/claim the single commune's claim on a copy
//	       that also holds 1,000,008 deliveries of its own history.
//
// The sides run alternately in one loop. The history is seeded with
// SQL in one transaction (about a minute) once per run, into the parent
// benchmark's folder; each sub-benchmark works on a copy.
//
//	go test -run '^$' -bench ProvincePollClaim ./cmd/loaxa/
func BenchmarkProvincePollClaim(b *testing.B) {
	dir := b.TempDir()
	single := filepath.Join(dir, "single.db")
	province := filepath.Join(dir, "province.db")
	began := time.Now()
	singleHistory := filepath.Join(dir, "single-history.db")
	seedPollClaim(b, single, 1, false)
	seedPollClaim(b, province, 100, true)
	seedPollClaim(b, singleHistory, 1, true)
	b.Logf("seeded both databases in %s", time.Since(began).Round(time.Second))
	if d := os.Getenv("LOAXA_BENCH_KEEP"); d != "" {
		copyFile(b, province, filepath.Join(d, "province.db"))
		copyFile(b, single, filepath.Join(d, "single.db"))
	}
	b.Run("poll", func(b *testing.B) {
		ctx := context.Background()
		ds, dp := pollClaimDaemon(b, single), pollClaimDaemon(b, province)
		now := time.Now()
		for _, d := range []*daemon{ds, dp} { // settles anything the copy left due
			if _, err := d.runner.RunOnce(ctx, now); err != nil {
				b.Fatal(err)
			}
		}
		var tSingle, tProvince time.Duration
		b.ResetTimer()
		for i := range b.N {
			now := time.Now()
			first, second := ds, dp
			if i%2 == 1 {
				first, second = dp, ds
			}
			t0 := time.Now()
			if _, err := first.runner.RunOnce(ctx, now); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if _, err := second.runner.RunOnce(ctx, now); err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			if first == ds {
				tSingle, tProvince = tSingle+t1.Sub(t0), tProvince+t2.Sub(t1)
			} else {
				tProvince, tSingle = tProvince+t1.Sub(t0), tSingle+t2.Sub(t1)
			}
		}
		b.ReportMetric(float64(tProvince)/float64(tSingle), "poll_ratio")
		b.ReportMetric(float64(tSingle.Microseconds())/float64(b.N), "single_us/poll")
		b.ReportMetric(float64(tProvince.Microseconds())/float64(b.N), "province_us/poll")
	})
	b.Run("claim", func(b *testing.B) {
		ctx := context.Background()
		ds, dp, dh := pollClaimDaemon(b, single), pollClaimDaemon(b, province), pollClaimDaemon(b, singleHistory)
		backlog(b, ds, 100, "")
		backlog(b, dp, 1, notices.Province)
		backlog(b, dh, 100, "")
		cs, err := dp.store.Communes(ctx)
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]int64, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		singleClaim := notices.Claim{Limit: provBatch, MaxRank: notices.RankLow, Communes: []int64{1}} // as a single-commune daemon claims (OneCommune)
		fairClaim := notices.Claim{Limit: provBatch, MaxRank: notices.RankLow, Communes: ids, Fair: true}
		byDue := notices.Claim{Limit: provBatch, MaxRank: notices.RankLow, Communes: ids}
		singleFair := notices.Claim{Limit: provBatch, MaxRank: notices.RankLow, Communes: []int64{1}, Fair: true}
		var tSingle, tProvince, tByDue, tSingleFair, tHistory time.Duration
		b.ResetTimer()
		for i := range b.N {
			now := time.Now().Add(time.Second)
			if i%2 == 0 {
				tSingle += claimOnce(b, ds, singleClaim, now)
				tProvince += claimOnce(b, dp, fairClaim, now)
				tByDue += claimOnce(b, dp, byDue, now)
				tSingleFair += claimOnce(b, ds, singleFair, now)
				tHistory += claimOnce(b, dh, singleClaim, now)
			} else {
				tHistory += claimOnce(b, dh, singleClaim, now)
				tSingleFair += claimOnce(b, ds, singleFair, now)
				tByDue += claimOnce(b, dp, byDue, now)
				tProvince += claimOnce(b, dp, fairClaim, now)
				tSingle += claimOnce(b, ds, singleClaim, now)
			}
		}
		b.ReportMetric(float64(tProvince)/float64(tSingle), "claim_ratio")
		b.ReportMetric(float64(tSingle.Microseconds())/float64(b.N), "single_us/claim")
		b.ReportMetric(float64(tProvince.Microseconds())/float64(b.N), "province_us/claim")
		b.ReportMetric(float64(tByDue.Microseconds())/float64(b.N), "bydue_us/claim")
		b.ReportMetric(float64(tSingleFair.Microseconds())/float64(b.N), "single_fair_us/claim")
		b.ReportMetric(float64(tHistory.Microseconds())/float64(b.N), "single_history_us/claim")
	})
}

// claimOnce times one claim of c on d's store and gives the batch back,
// untimed, so that every claim meets the same due rows.
func claimOnce(b *testing.B, d *daemon, c notices.Claim, now time.Time) time.Duration {
	b.Helper()
	ctx := context.Background()
	c.Now = now
	t0 := time.Now()
	jobs, err := d.store.RecordAndClaim(ctx, nil, c)
	took := time.Since(t0)
	if err != nil || len(jobs) != c.Limit {
		b.Fatalf("claim: %d rows, %v; want %d", len(jobs), err, c.Limit)
	}
	b.StopTimer()
	rs := make([]notices.Result, len(jobs))
	for i, j := range jobs {
		rs[i] = notices.Result{ID: j.ID, Status: notices.DeliveryQueued, At: now.Add(-time.Hour), Unclaim: true}
	}
	if err := d.store.Record(ctx, rs); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	return took
}

// backlog approves n one-off notices of commune (a code, or
// notices.Province) to all its hamlets and materialises them with one
// poll cycle.
func backlog(b *testing.B, d *daemon, n int, commune string) {
	b.Helper()
	ctx := context.Background()
	for k := range n {
		nt := notices.Notice{Title: fmt.Sprintf("Tồn đọng %d", k+1), Body: "Thông báo của xã.", Commune: commune,
			Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "bench"}
		if err := d.store.CreateNotice(ctx, &nt); err != nil {
			b.Fatal(err)
		}
	}
	// A second on: the store's clock stamped the approvals, at whole seconds.
	if _, err := d.runner.RunOnce(ctx, time.Now().Add(time.Second)); err != nil {
		b.Fatal(err)
	}
	if due, err := d.store.QueueDepth(ctx); err != nil || due != 1800 {
		b.Fatalf("%d deliveries due, %v; want 1,800", due, err)
	}
}

// pollClaimDaemon opens a copy of the database at src as `loaxa serve`
// would (openDaemon), without starting it.
func pollClaimDaemon(b *testing.B, src string) *daemon {
	b.Helper()
	path := filepath.Join(b.TempDir(), filepath.Base(src))
	copyFile(b, src, path)
	env := map[string]string{"LOAXA_DB": path, "LOAXA_QUIET_HOURS": "off", "LOAXA_COMMUNE": "UBND xã 1",
		"LOAXA_PROVINCE": "UBND tỉnh An Giang", "ZALO_APP_ID": "1", "ZALO_APP_SECRET": "s",
		"ZALO_API_BASE": "http://127.0.0.1:9", "ZALO_OAUTH_BASE": "http://127.0.0.1:9"}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	d, err := openDaemon(context.Background(), cfg, zerolog.New(io.Discard).Level(zerolog.InfoLevel))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.close() })
	return d
}

func copyFile(b *testing.B, src, dst string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// pollClaimRecurring are the live notices of both databases: recurring,
// none due within the benchmark.
var pollClaimRecurring = []notices.Notice{
	{Title: "Lịch thu gom rác", Recurrence: "0 7 * * 1"},
	{Title: "Nhắc đóng BHYT", Recurrence: "@monthly"},
	{Title: "Giờ mở cửa bộ phận một cửa", Recurrence: "0 6 * * *"},
}

// seedPollClaim makes the database at path: communes communes of 18
// hamlets, the recurring notices, and with history the 1,000,008
// deliveries of 55,556 sent notices.
func seedPollClaim(b *testing.B, path string, communes int, history bool) {
	b.Helper()
	ctx := context.Background()
	s, err := notices.Open(ctx, path, notices.Options{Location: hcmBench(b), Logger: zerolog.Nop(), Commune: "UBND xã 1"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 2; i <= communes; i++ {
		if err := s.CreateCommune(ctx, "bench", &notices.Commune{Code: fmt.Sprintf("xa-%d", i), Name: fmt.Sprintf("UBND xã %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	cs, err := s.Communes(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var hs []notices.Hamlet
	for _, c := range cs {
		for j := range provPerOA {
			hs = append(hs, notices.Hamlet{Commune: c.Code, Code: fmt.Sprintf("ap-%d", j+1), Name: fmt.Sprintf("Ấp %d", j+1),
				GroupID: fmt.Sprintf("%08x%012x", c.ID, j+1), Active: true})
		}
	}
	if err := s.ImportHamlets(ctx, "bench", hs); err != nil {
		b.Fatal(err)
	}
	commune := ""
	if communes > 1 {
		commune = notices.Province
	}
	for _, n := range pollClaimRecurring {
		n.Body, n.Commune, n.Status, n.Source, n.Author = "Thông báo định kỳ.", commune, notices.StatusApproved, notices.SourceWeb, "bench"
		if err := s.CreateNotice(ctx, &n); err != nil {
			b.Fatal(err)
		}
	}
	if !history {
		return
	}
	db, err := sql.Open("sqlite3", path+"?_busy_timeout=10000")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	from := time.Now().Add(-3 * 365 * 24 * time.Hour).UTC().Format("2006-01-02 15:04:05")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		// Written as loaxa writes its own rows (site_writes, 0003): the
		// history is what loaxa itself would have left.
		{`INSERT INTO site_writes (id) VALUES (1)`, nil},
		// 55,556 notices, each of one commune (in turn), every 28 minutes
		// over three years.
		{`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 55556),
			t(x, at) AS (SELECT x, datetime(?1, '+' || (x * 28) || ' minutes') FROM c)
		INSERT INTO notices (id, title, body, category, priority, status, targets, author, approver, approved_at,
			source, last_due_at, reason, created_at, updated_at, commune)
		SELECT 1000 + x, 'Thông báo lưu trữ số ' || x, 'Nội dung lưu trữ.', 'chung',
			CASE WHEN x % 10 = 0 THEN 'urgent' WHEN x % 10 = 1 THEN 'low' ELSE 'normal' END,
			CASE WHEN x % 100 = 0 THEN 'expired' WHEN x % 97 = 0 THEN 'cancelled' ELSE 'done' END,
			'all', 'canbo', 'lanhdao', at, 'web', at, '', at, at,
			(SELECT code FROM communes WHERE id = 1 + x % ?2) FROM t`, []any{from, communes}},
		{`INSERT INTO occurrences (id, notice_id, due_at, status, created_at, commune_id)
		SELECT id - 1000, id, last_due_at, 'queued', last_due_at, commune_id FROM notices WHERE id > 1000`, nil},
		{`INSERT INTO occurrence_texts (occurrence_id, part, body)
		SELECT id, 1, 'Nội dung lưu trữ của lượt gửi số ' || id FROM occurrences WHERE notice_id > 1000`, nil},
		{`INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id, part, parts, body, priority, status,
			due_at, next_attempt_at, attempts, claimed_at, sent_at, message_id, error_code, error, created_at, updated_at, commune_id)
		SELECT o.notice_id, o.id, h.id, h.group_id, 1, 1, '', 1,
			CASE WHEN (o.id + h.id) % 200 = 0 THEN 'failed' WHEN (o.id + h.id) % 301 = 0 THEN 'skipped' ELSE 'sent' END,
			o.due_at, o.due_at, 1, o.due_at, o.due_at, lower(hex(randomblob(10))),
			CASE WHEN (o.id + h.id) % 200 = 0 THEN -403 END, '', o.due_at, o.due_at, h.commune_id
		FROM occurrences o JOIN hamlets h ON h.commune_id = o.commune_id WHERE o.notice_id > 1000 ORDER BY o.id, h.id`, nil},
		{`INSERT INTO audit_log (at, actor, action, notice_id, detail, commune_id)
		SELECT created_at, 'canbo', 'notice.create', id, '', commune_id FROM notices WHERE id > 1000`, nil},
		{`DELETE FROM site_writes`, nil},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			b.Fatalf("seed the history: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM deliveries`).Scan(&n); err != nil || n != 1_000_008 {
		b.Fatalf("%d deliveries seeded, %v; want 1,000,008", n, err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
}

func hcmBench(b *testing.B) *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		b.Fatal(err)
	}
	return loc
}
