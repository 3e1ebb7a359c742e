package notices_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

// v11QueuedDB was made by the loaxa binary of schema 11 (53b39bd), the last one
// to keep each delivery's text in its row: two hamlets added with `loaxa
// hamlet add`, an urgent notice of two parts approved with `loaxa notice
// add --approve`, and `loaxa serve` run for 4 s without a Zalo connection,
// which materialised its four deliveries and left them queued.
const v11QueuedDB = "testdata/v11-queued.db"

// TestOccurrenceTextOncePerPart: a notice to many hamlets keeps its text
// once per part, its delivery rows carry none, and what a claim returns
// and delivery_bodies answers is still the exact text of each part.
func TestOccurrenceTextOncePerPart(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	var hs []notices.Hamlet
	for i := range 30 {
		hs = append(hs, notices.Hamlet{Code: fmt.Sprintf("khom-%d", i+1), Name: fmt.Sprintf("Khóm %d", i+1),
			GroupID: fmt.Sprintf("g%d", i+1)})
	}
	if err := s.ImportHamlets(ctx, "test", hs); err != nil {
		t.Fatal(err)
	}
	hs, err := s.Hamlets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := &notices.Notice{Title: "Họp", Body: "…", Source: notices.SourceWeb, Author: "lan", Status: notices.StatusApproved}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	parts := []string{"(1/2) phần một " + strings.Repeat("a", 1500), "(2/2) phần hai"}
	var ts []notices.Target
	for _, h := range hs {
		ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID})
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: fixedNow, Status: notices.OccurrenceQueued,
		Parts: parts, Priority: 1, Targets: ts, LastDueAt: fixedNow}); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	var texts, rows, inRows int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM occurrence_texts), (SELECT count(*) FROM deliveries),
		(SELECT coalesce(sum(length(body)), 0) FROM deliveries)`).Scan(&texts, &rows, &inRows); err != nil {
		t.Fatal(err)
	}
	if texts != 2 || rows != 60 || inRows != 0 {
		t.Errorf("after materialising 2 parts to 30 hamlets: %d texts, %d deliveries holding %d characters of text; "+
			"want 2 texts, 60 deliveries holding none", texts, rows, inRows)
	}
	checkBodies(t, db, func(part int) string { return parts[part-1] })

	// Claims return the text; the second part once the first is sent.
	for part := 1; part <= 2; part++ {
		jobs, err := s.ClaimJobs(ctx, fixedNow.Add(time.Minute), 100, 2)
		if err != nil || len(jobs) != 30 {
			t.Fatalf("ClaimJobs() for part %d = %d jobs, %v; want 30", part, len(jobs), err)
		}
		var rs []notices.Result
		for _, j := range jobs {
			if j.Part != part || j.Body != parts[part-1] {
				t.Fatalf("claimed part %d with body %.30q…; want part %d, %.30q…", j.Part, j.Body, part, parts[part-1])
			}
			rs = append(rs, notices.Result{ID: j.ID, Status: notices.DeliverySent, MessageID: fmt.Sprint("m", j.ID), At: fixedNow})
		}
		if err := s.Record(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
}

// checkBodies checks that delivery_bodies answers, for every delivery,
// want(part).
func checkBodies(t *testing.T, db *sql.DB, want func(part int) string) {
	t.Helper()
	rs, err := db.Query(`SELECT d.id, d.part, b.body FROM deliveries d JOIN delivery_bodies b ON b.delivery_id = d.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	count := 0
	for rs.Next() {
		var id int64
		var part int
		var body string
		if err := rs.Scan(&id, &part, &body); err != nil {
			t.Fatal(err)
		}
		if body != want(part) {
			t.Errorf("delivery_bodies for delivery %d (part %d) = %.40q…; want %.40q…", id, part, body, want(part))
		}
		count++
	}
	if err := rs.Err(); err != nil || count == 0 {
		t.Fatalf("delivery_bodies: %d rows, %v", count, err)
	}
}

// TestUpgradeFromV11KeepsQueuedTexts opens a database written by the last
// binary that kept texts in the delivery rows, with deliveries still
// queued: after the upgrade they are claimed with their own text, part 2
// after part 1, delivery_bodies answers for them, and a new notice keeps
// its text the new way beside them.
func TestUpgradeFromV11KeepsQueuedTexts(t *testing.T) {
	ctx := context.Background()
	b, err := os.ReadFile(v11QueuedDB)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "loaxa.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The texts as the old binary stored them.
	old := map[int]string{}
	func() {
		db := rawDB(t, path)
		defer db.Close()
		rs, err := db.Query(`SELECT part, body FROM deliveries`)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		for rs.Next() {
			var part int
			var body string
			if err := rs.Scan(&part, &body); err != nil {
				t.Fatal(err)
			}
			old[part] = body
		}
	}()
	if len(old) != 2 || !strings.HasPrefix(old[2], "(2/2)") {
		t.Fatalf("v11.db holds parts %v; want the two parts of notice 1", len(old))
	}
	now := time.Now()
	s, err := notices.Open(ctx, path, notices.Options{Location: hcm, PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("Open(v11.db) = %v", err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != notices.LatestSchema() || v < 12 {
		t.Fatalf("SchemaVersion() after the upgrade = %d, %v; want %d", v, err, notices.LatestSchema())
	}
	db := rawDB(t, path)
	checkBodies(t, db, func(part int) string { return old[part] })
	for part := 1; part <= 2; part++ {
		jobs, err := s.ClaimJobs(ctx, now.Add(time.Hour), 10, 2)
		if err != nil || len(jobs) != 2 {
			t.Fatalf("ClaimJobs() for part %d = %d jobs, %v; want 2", part, len(jobs), err)
		}
		var rs []notices.Result
		for _, j := range jobs {
			if j.Part != part || j.Body != old[part] {
				t.Fatalf("claimed part %d with body %.30q…; want part %d as stored by schema 11", j.Part, j.Body, part)
			}
			rs = append(rs, notices.Result{ID: j.ID, Status: notices.DeliverySent, MessageID: fmt.Sprint("m", j.ID), At: now})
		}
		if err := s.Record(ctx, rs); err != nil {
			t.Fatal(err)
		}
		// The message ids just recorded are found in their groups (0017).
		for _, j := range jobs {
			id := fmt.Sprint("m", j.ID)
			if known, err := s.KnownMessageIDs(ctx, j.GroupID, []string{id}); err != nil || !known[id] {
				t.Errorf("KnownMessageIDs(%s, %s) = %v, %v; want it known", j.GroupID, id, known, err)
			}
		}
	}
	// A new notice beside them.
	hs, err := s.Hamlets(ctx)
	if err != nil || len(hs) != 2 {
		t.Fatalf("Hamlets() = %d, %v; want 2", len(hs), err)
	}
	n := &notices.Notice{Title: "Mới", Body: "…", Source: notices.SourceWeb, Author: "lan", Status: notices.StatusApproved}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	ts := []notices.Target{{HamletID: hs[0].ID, GroupID: hs[0].GroupID}, {HamletID: hs[1].ID, GroupID: hs[1].GroupID}}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"tin mới"}, Priority: 0, Targets: ts, LastDueAt: now}); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimJobs(ctx, now.Add(time.Hour), 10, 2)
	if err != nil || len(jobs) != 2 || jobs[0].Body != "tin mới" || jobs[1].Body != "tin mới" {
		t.Fatalf("ClaimJobs() of the new notice = %+v, %v; want its two deliveries with their text", jobs, err)
	}
}

// TestRecordAndClaimIsOneTransaction: the outcomes recorded make the next
// part claimable in the same transaction; a bad outcome fails the whole
// transaction, so that nothing is claimed that was not committed, and the
// rows stay as they were.
func TestRecordAndClaimIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	h := notices.Hamlet{Code: "khom-1", Name: "Khóm 1", GroupID: "g1"}
	if err := s.CreateHamlet(ctx, "test", &h); err != nil {
		t.Fatal(err)
	}
	n := &notices.Notice{Title: "Họp", Body: "…", Source: notices.SourceWeb, Author: "lan", Status: notices.StatusApproved}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: fixedNow, Status: notices.OccurrenceQueued,
		Parts: []string{"một", "hai"}, Priority: notices.RankNormal, LastDueAt: fixedNow,
		Targets: []notices.Target{{HamletID: h.ID, GroupID: h.GroupID}}}); err != nil {
		t.Fatal(err)
	}
	c := notices.Claim{Now: fixedNow.Add(time.Minute), Limit: 10, MaxRank: notices.RankLow}
	first, err := s.RecordAndClaim(ctx, nil, c)
	if err != nil || len(first) != 1 || first[0].Part != 1 {
		t.Fatalf("first claim = %+v, %v; want part 1 only", first, err)
	}
	sent := notices.Result{ID: first[0].ID, Status: notices.DeliverySent, MessageID: "m1", At: fixedNow}
	bad := notices.Result{ID: first[0].ID, Status: "lost"}
	if jobs, err := s.RecordAndClaim(ctx, []notices.Result{sent, bad}, c); err == nil || len(jobs) != 0 {
		t.Fatalf("RecordAndClaim with a bad outcome = %+v, %v; want an error and nothing claimed", jobs, err)
	}
	db := rawDB(t, path)
	var states string
	if err := db.QueryRow(`SELECT group_concat(status, ',') FROM (SELECT status FROM deliveries ORDER BY part)`).Scan(&states); err != nil {
		t.Fatal(err)
	}
	if states != "sending,queued" {
		t.Errorf("after the failed transaction the parts are %s; want sending,queued (nothing written)", states)
	}
	jobs, err := s.RecordAndClaim(ctx, []notices.Result{sent}, c)
	if err != nil || len(jobs) != 1 || jobs[0].Part != 2 || jobs[0].Body != "hai" {
		t.Fatalf("RecordAndClaim(part 1 sent) = %+v, %v; want part 2 claimed in the same transaction", jobs, err)
	}
}
