package notices_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestFairClaimMatchesTurns: a claim in turns reads only each commune's
// first few due rows and reads deeper when those may not be enough
// (fairclaim.go). Over communes of very different backlogs (none, one row,
// 60 rows), three priorities, caps and batch sizes, every claim must take
// exactly the rows, in exactly the order, that numbering every due row in
// turns gives (the oracle below, written from Claim.Fair's documentation).
func TestFairClaimMatchesTurns(t *testing.T) {
	for seed := range uint64(12) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { fairClaimMatchesTurns(t, seed) })
	}
}

func fairClaimMatchesTurns(t *testing.T, seed uint64) {
	ctx := context.Background()
	s, path := openStore(t)
	db := rawDB(t, path)
	rng := rand.New(rand.NewPCG(seed, 2026))
	hamlets := []int{1, 12, 0, 3, 20, 2, 7, 1}
	rng.Shuffle(len(hamlets), func(i, j int) { hamlets[i], hamlets[j] = hamlets[j], hamlets[i] })
	for i := 2; i <= len(hamlets); i++ {
		if err := s.CreateCommune(ctx, "test", &notices.Commune{Code: fmt.Sprintf("xa-%d", i), Name: fmt.Sprintf("UBND xã %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.Communes(ctx)
	if err != nil || len(cs) != len(hamlets) {
		t.Fatalf("%d communes, %v", len(cs), err)
	}
	var hs []notices.Hamlet
	for i, c := range cs {
		for j := range hamlets[i] {
			hs = append(hs, notices.Hamlet{Commune: c.Code, Code: fmt.Sprintf("ap-%d", j), Name: "Ấp", GroupID: fmt.Sprintf("g-%d-%d", c.ID, j)})
		}
	}
	if err := s.ImportHamlets(ctx, "test", hs); err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if hamlets[i] == 0 {
			continue
		}
		for k := range 1 + rng.IntN(4) {
			n := notices.Notice{Title: fmt.Sprintf("Tin %d", k), Body: "b", Commune: c.Code, Status: notices.StatusApproved,
				Source: notices.SourceCLI, Author: "t"}
			if err := s.CreateNotice(ctx, &n); err != nil {
				t.Fatal(err)
			}
			ts, err := s.NoticeTargets(ctx, &n)
			if err != nil {
				t.Fatal(err)
			}
			due := fixedNow.Add(-time.Duration(1+rng.IntN(120)) * time.Minute)
			if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: due, Status: notices.OccurrenceQueued,
				Priority: notices.PriorityRank(rng.IntN(3)), Parts: []string{"p"}, Targets: ts}); err != nil {
				t.Fatal(err)
			}
		}
	}

	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	var after int64 // the commune the previous claim in turns ended with
	claimed := 0
	for round := 0; ; round++ {
		c := notices.Claim{Now: fixedNow, Limit: 1 + rng.IntN(30), MaxRank: notices.PriorityRank(rng.IntN(3)), Fair: true,
			Communes: ids, PerCommune: map[int64]int{}}
		if round%3 == 1 {
			c.Communes = slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id%3 == 0 })
		}
		for _, id := range c.Communes {
			if rng.IntN(3) == 0 {
				c.PerCommune[id] = rng.IntN(6)
			}
		}
		want := turnsOracle(t, db, c, after)
		jobs, err := s.RecordAndClaim(ctx, nil, c)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int64, len(jobs))
		for i, j := range jobs {
			got[i] = j.ID
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (limit %d, rank ≤ %d, caps %v, after commune %d): claimed %v; in turns: %v",
				round, c.Limit, c.MaxRank, c.PerCommune, after, got, want)
		}
		if len(jobs) > 0 {
			after = jobs[len(jobs)-1].CommuneID
		}
		claimed += len(jobs)
		var left int
		if err := db.QueryRow(`SELECT count(*) FROM deliveries WHERE status IN ('queued', 'retry')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if round > 400 {
			t.Fatalf("%d deliveries still due after 400 claims", left)
		}
	}
	var sending int
	if err := db.QueryRow(`SELECT count(*) FROM deliveries WHERE status = 'sending'`).Scan(&sending); err != nil {
		t.Fatal(err)
	}
	if claimed == 0 || sending != claimed {
		t.Fatalf("%d claimed, %d rows sending; want every row claimed once", claimed, sending)
	}
}

// turnsOracle numbers every due row of c's communes in turns and returns
// the ids c claims, in order: by priority; at a priority a commune's first
// row, then its second, …; at each turn by commune id starting after
// commune after; a commune with a cap gives its first rows (urgent first)
// up to the cap.
func turnsOracle(t *testing.T, db *sql.DB, c notices.Claim, after int64) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT id, commune_id, priority FROM deliveries
		WHERE status IN ('queued', 'retry') AND next_attempt_at <= ? AND priority <= ?
		ORDER BY priority, next_attempt_at, id`, fixedNow.UTC().Format("2006-01-02 15:04:05"), c.MaxRank)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		id, commune int64
		rank, turn  int
	}
	in := map[int64]bool{}
	for _, id := range c.Communes {
		in[id] = true
	}
	var all []row
	given := map[int64]int{}
	turn := map[[2]int64]int{}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.commune, &r.rank); err != nil {
			t.Fatal(err)
		}
		if !in[r.commune] {
			continue
		}
		if limit, ok := c.PerCommune[r.commune]; ok && given[r.commune] >= limit {
			continue
		}
		given[r.commune]++
		k := [2]int64{int64(r.rank), r.commune}
		r.turn = turn[k]
		turn[k]++
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.SliceStable(all, func(a, b int) bool {
		x, y := all[a], all[b]
		if x.rank != y.rank {
			return x.rank < y.rank
		}
		if x.turn != y.turn {
			return x.turn < y.turn
		}
		if (x.commune <= after) != (y.commune <= after) {
			return y.commune <= after
		}
		return x.commune < y.commune
	})
	ids := []int64{}
	for i := 0; i < len(all) && i < c.Limit; i++ {
		ids = append(ids, all[i].id)
	}
	return ids
}
