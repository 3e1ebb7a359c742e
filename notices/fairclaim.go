package notices

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// A claim in turns (Claim.Fair) takes, at each priority, the first due row
// of every commune before the second of any. It goes priority by priority,
// most urgent first. At each, it reads the first ready row of each
// commune, in the rotation's order, until the batch is full: one search of
// deliveries_due each (keyed by commune first, 0018); with an alert to
// more communes than a batch holds, that is the batch. When fewer
// communes have rows at that priority than the batch has room for, it
// reads those communes' first few rows each and picks from them in Go,
// reading deeper only when the pick could change. The picked rows are
// claimed by id, all in the claim's transaction. Numbering every due row
// of every commune in SQL cost 5 ms a batch with an alert due to 1,800
// groups (docs/PERFORMANCE.md).

// fairRow is a ready due row a claim in turns may take.
type fairRow struct {
	id, commune int64
	rank        PriorityRank
}

// claimFair claims c in turns, each turn's communes by id starting after
// commune after.
func claimFair(ctx context.Context, tx *txn, c Claim, after int64) ([]Delivery, error) {
	communes := c.Communes
	if communes == nil {
		var err error
		if communes, err = communeIDs(ctx, tx); err != nil {
			return nil, err
		}
	}
	// The rotation: the communes after commune after, then the others.
	rotation := slices.Clone(communes)
	slices.SortFunc(rotation, func(x, y int64) int {
		if (x <= after) != (y <= after) {
			if x <= after {
				return 1
			}
			return -1
		}
		return cmp.Compare(x, y)
	})
	left := maps.Clone(c.PerCommune) // what each capped commune may still give
	var picked []int64
	for rank := RankUrgent; rank <= c.MaxRank && len(picked) < c.Limit; rank++ {
		room := c.Limit - len(picked)
		open := slices.DeleteFunc(slices.Clone(rotation), func(id int64) bool { n, capped := left[id]; return capped && n <= 0 })
		if len(open) == 0 {
			break
		}
		first, err := fairFirst(ctx, tx, c.Now, rank, open, room)
		if err != nil {
			return nil, err
		}
		got := first // every commune's first row at this rank: the batch when it fills it
		if len(first) > 0 && len(first) < room {
			// Fewer communes than the room have rows at this rank: their
			// later turns come into the batch too. Each one's first k rows:
			// if each has that many, the room ends within turn k; fewer rows
			// in some give their turns to the others, and when a commune
			// that may have more gave every row read and its next could
			// have been picked, read deeper and pick again.
			busy := make([]int64, len(first))
			for i, r := range first {
				busy[i] = r.commune
			}
			sub := Claim{Now: c.Now, Limit: room, PerCommune: left}
			for k := (room + len(busy) - 1) / len(busy); ; k *= 2 {
				rows, err := fairRows(ctx, tx, c.Now, rank, busy, k)
				if err != nil {
					return nil, err
				}
				var more bool
				got, more = pickFair(rows, sub, after, k)
				if !more || k > room {
					break
				}
			}
		}
		for _, r := range got {
			picked = append(picked, r.id)
			if _, capped := left[r.commune]; capped {
				left[r.commune]--
			}
		}
	}
	if len(picked) == 0 {
		return nil, nil
	}
	list, _ := json.Marshal(picked)
	ts := fmtTime(c.Now)
	rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
			claimed_at = ?, updated_at = ?
		WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('queued', 'retry')
		RETURNING `+claimColumns, ts, ts, string(list))
	if err != nil {
		return nil, fmt.Errorf("claim deliveries in turns: %w", err)
	}
	jobs, err := claimed(ctx, tx, rows, len(picked))
	if err != nil {
		return nil, err
	}
	// In the order picked, turn by turn, so that a commune's rows in one
	// batch are not sent one after the other, each waiting for its OA.
	place := make(map[int64]int, len(picked))
	for i, id := range picked {
		place[id] = i
	}
	sort.Slice(jobs, func(a, b int) bool { return place[jobs[a].ID] < place[jobs[b].ID] })
	return jobs, nil
}

// fairFirstSQL reads the first ready due row of priority rank ?2 of each
// commune of the JSON list ?1, in the list's order, due at ?3 (and ?4, for
// readySQL), until it has ?5. CROSS JOIN keeps the communes outside, read
// in order (json_each walks an array in order): one search of
// deliveries_due per commune, until the batch is full.
var fairFirstSQL = `SELECT o.id, o.commune_id, o.priority
	FROM json_each(?) c CROSS JOIN deliveries o
	WHERE o.id = (SELECT d.id FROM deliveries d
		WHERE d.commune_id = c.value AND d.priority = ? AND d.status IN ('queued', 'retry')
		  AND d.next_attempt_at <= ?
		  AND ` + readySQL + `
		ORDER BY d.next_attempt_at, d.id
		LIMIT 1)
	LIMIT ?`

// fairFirst reads each commune's first ready due row of rank, communes in
// the order given, until it has room of them.
func fairFirst(ctx context.Context, tx *txn, now time.Time, rank PriorityRank, communes []int64, room int) ([]fairRow, error) {
	list, _ := json.Marshal(communes)
	ts := fmtTime(now)
	return readFairRows(tx.QueryContext(ctx, fairFirstSQL, string(list), rank, ts, ts, room))
}

// fairRowsSQL reads the first ?5 ready due rows of priority rank ?2 of each
// commune of the JSON list ?1, due at ?3 (and ?4, for readySQL), all in
// order of due time and id. CROSS JOIN keeps the communes outside: one
// search of deliveries_due per commune, each stopping after ?5 ready rows.
var fairRowsSQL = `SELECT o.id, o.commune_id, o.priority
	FROM json_each(?) c CROSS JOIN deliveries o
	WHERE o.id IN (SELECT d.id FROM deliveries d
		WHERE d.commune_id = c.value AND d.priority = ? AND d.status IN ('queued', 'retry')
		  AND d.next_attempt_at <= ?
		  AND ` + readySQL + `
		ORDER BY d.next_attempt_at, d.id
		LIMIT ?)
	ORDER BY o.next_attempt_at, o.id`

// fairRows reads the first k ready due rows of rank of each commune, all
// of them in order of due time and id.
func fairRows(ctx context.Context, tx *txn, now time.Time, rank PriorityRank, communes []int64, k int) ([]fairRow, error) {
	list, _ := json.Marshal(communes)
	ts := fmtTime(now)
	return readFairRows(tx.QueryContext(ctx, fairRowsSQL, string(list), rank, ts, ts, k))
}

// readFairRows reads the rows of fairFirstSQL or fairRowsSQL.
func readFairRows(rows *sql.Rows, err error) ([]fairRow, error) {
	if err != nil {
		return nil, fmt.Errorf("read the communes' due deliveries: %w", err)
	}
	defer rows.Close()
	var out []fairRow
	for rows.Next() {
		var r fairRow
		if err := rows.Scan(&r.id, &r.commune, &r.rank); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// pickFair picks up to c.Limit of rows (each commune's first k or fewer,
// in order of priority, due time and id) in turns: by priority, then a
// commune's first row, then its second, …, and at each turn by commune id
// starting after commune after; a commune with a cap (c.PerCommune) gives
// no more than that. more says the pick may be wrong: a commune that may
// have more rows than were read gave all it was read for, and its next
// row could have been picked (the batch is not full, or that row would
// sort before the batch's last).
func pickFair(rows []fairRow, c Claim, after int64, k int) (picked []fairRow, more bool) {
	type key struct {
		rank    PriorityRank
		commune int64
	}
	read := map[int64]int{}     // rows read per commune
	given := map[int64]int{}    // rows let through per commune (the cap)
	last := map[int64]fairPos{} // the place of each commune's last row let through
	turns := map[key]int{}
	ps := make([]fairPos, 0, len(rows))
	for _, r := range rows {
		read[r.commune]++
		if limit, ok := c.PerCommune[r.commune]; ok && given[r.commune] >= limit {
			continue
		}
		given[r.commune]++
		kk := key{r.rank, r.commune}
		p := fairPos{r, turns[kk], r.commune <= after}
		ps = append(ps, p)
		last[r.commune] = p
		turns[kk]++
	}
	sort.SliceStable(ps, func(a, b int) bool { return ps[a].before(ps[b]) })
	full := len(ps) >= c.Limit
	if full {
		ps = ps[:c.Limit]
	}
	taken := map[int64]int{}
	picked = make([]fairRow, len(ps))
	for i, p := range ps {
		picked[i] = p.fairRow
		taken[p.commune]++
	}
	for commune, n := range read {
		if limit, capped := c.PerCommune[commune]; n < k || taken[commune] < given[commune] || capped && limit <= k {
			continue // all its rows were read, or its last read was not picked, or its cap is reached
		}
		// Its next row comes at the earliest at the next turn of the same
		// priority.
		next := last[commune]
		next.turn++
		if !full || next.before(ps[len(ps)-1]) {
			more = true
		}
	}
	return picked, more
}

// fairPos is a row's place in a claim in turns.
type fairPos struct {
	fairRow
	turn  int
	later bool // its commune's id is at most the rotation's start: it goes after the others at its turn
}

// before says p goes before q: by priority, turn, then commune id
// starting after the rotation's start.
func (p fairPos) before(q fairPos) bool {
	if p.rank != q.rank {
		return p.rank < q.rank
	}
	if p.turn != q.turn {
		return p.turn < q.turn
	}
	if p.later != q.later {
		return q.later
	}
	return p.commune < q.commune
}

// communeIDs lists every commune's id.
func communeIDs(ctx context.Context, tx *txn) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM communes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list the communes: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
