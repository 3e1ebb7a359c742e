package notices

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// A claim in turns (Claim.Fair) takes, at each priority, the first due row
// of every commune before the second of any. It reads only each commune's
// first few ready rows, one search of deliveries_due each (keyed by
// commune first, 0018), picks the batch from those in Go, and claims the
// picked rows by id, all in the claim's transaction. Numbering every due
// row of every commune in SQL cost 5 ms a batch with an alert due to
// 1,800 groups (docs/PERFORMANCE.md).

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
	if len(communes) == 0 {
		return nil, nil
	}
	// Each commune's first k rows: if every commune has that many, a batch
	// of Limit ends within turn k. Fewer rows in some communes give their
	// turns to the others; when a commune that may have more rows gave
	// every row read and its next could have been picked, read deeper and
	// pick again.
	var picked []int64
	for k := (c.Limit + len(communes) - 1) / len(communes); ; k *= 2 {
		rows, err := fairRows(ctx, tx, c, communes, k)
		if err != nil {
			return nil, err
		}
		var more bool
		picked, more = pickFair(rows, c, after, k)
		if !more || k > c.Limit {
			break
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

// fairRowsSQL reads the first ?5 ready due rows of each commune of the
// JSON list ?1, of priority rank ?2 or more urgent, due at ?3 (and ?4, for
// readySQL). CROSS JOIN keeps the communes outside: one search of
// deliveries_due per commune, each stopping after ?5 ready rows.
const fairRowsSQL = `SELECT o.id, o.commune_id, o.priority
	FROM json_each(?) c CROSS JOIN deliveries o
	WHERE o.id IN (SELECT d.id FROM deliveries d
		WHERE d.commune_id = c.value AND d.status IN ('queued', 'retry')
		  AND d.priority <= ? AND d.next_attempt_at <= ?
		  AND ` + readySQL + `
		ORDER BY d.priority, d.next_attempt_at, d.id
		LIMIT ?)
	ORDER BY o.priority, o.next_attempt_at, o.id`

// fairRows reads the first k ready due rows of each commune, by priority,
// due time and id, all of them in that order.
func fairRows(ctx context.Context, tx *txn, c Claim, communes []int64, k int) ([]fairRow, error) {
	list, _ := json.Marshal(communes)
	ts := fmtTime(c.Now)
	rows, err := tx.QueryContext(ctx, fairRowsSQL, string(list), c.MaxRank, ts, ts, k)
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
func pickFair(rows []fairRow, c Claim, after int64, k int) (picked []int64, more bool) {
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
	picked = make([]int64, len(ps))
	for i, p := range ps {
		picked[i] = p.id
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
