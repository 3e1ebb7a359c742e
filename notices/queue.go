package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// jobColumns are a claimed delivery's columns. Its text is the
// occurrence's (occurrence_texts, 0012), or the row's own for a bulletin
// and for rows made before 0012.
const jobColumns = `id, coalesce(notice_id, 0), coalesce(occurrence_id, 0), coalesce(bulletin_id, 0), hamlet_id,
	group_id, part, parts,
	coalesce((SELECT t.body FROM occurrence_texts t
	          WHERE t.occurrence_id = deliveries.occurrence_id AND t.part = deliveries.part), body),
	with_image, priority, attempts, due_at, coalesce(claimed_at, ''), coalesce(commune_id, 0)`

// claimColumns are jobColumns with the row's own text: a claim reads each
// occurrence's texts once (occurrenceTexts), not once per row; 64 rows of
// one occurrence made 64 lookups and 64 copies of the same 1.2 kB text.
const claimColumns = `id, coalesce(notice_id, 0), coalesce(occurrence_id, 0), coalesce(bulletin_id, 0), hamlet_id,
	group_id, part, parts, body,
	with_image, priority, attempts, due_at, coalesce(claimed_at, ''), coalesce(commune_id, 0)`

// occurrenceTexts gives each claimed delivery of an occurrence its
// occurrence's text, read once per occurrence in the claim's transaction;
// a delivery without one (a bulletin's, or made before 0012) keeps the
// row's own, as jobColumns' coalesce does.
func occurrenceTexts(ctx context.Context, tx *txn, jobs []Delivery) error {
	type key struct{ occ, part int64 }
	texts := map[key]string{}
	read := map[int64]bool{}
	for i := range jobs {
		j := &jobs[i]
		if j.OccurrenceID == 0 {
			continue
		}
		if !read[j.OccurrenceID] {
			read[j.OccurrenceID] = true
			rows, err := tx.QueryContext(ctx, `SELECT part, body FROM occurrence_texts WHERE occurrence_id = ?`, j.OccurrenceID)
			if err != nil {
				return fmt.Errorf("read the texts of occurrence %d: %w", j.OccurrenceID, err)
			}
			for rows.Next() {
				var part int64
				var body string
				if err := rows.Scan(&part, &body); err != nil {
					rows.Close()
					return err
				}
				texts[key{j.OccurrenceID, part}] = body
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return fmt.Errorf("read the texts of occurrence %d: %w", j.OccurrenceID, err)
			}
		}
		if t, ok := texts[key{j.OccurrenceID, int64(j.Part)}]; ok {
			j.Body = t
		}
	}
	return nil
}

// scanJob reads the columns of a claimed delivery.
func scanJob(sc interface{ Scan(...any) error }) (Delivery, error) {
	var j Delivery
	var due, claimed string
	err := sc.Scan(&j.ID, &j.NoticeID, &j.OccurrenceID, &j.BulletinID, &j.HamletID, &j.GroupID, &j.Part, &j.Parts,
		&j.Body, &j.WithImage, &j.Priority, &j.Attempts, &due, &claimed, &j.CommuneID)
	if err != nil {
		return j, err
	}
	j.Status = DeliverySending
	j.DueAt = parseText(due)
	j.ClaimedAt = parseText(claimed)
	return j, nil
}

// ClaimJobs marks up to limit due deliveries 'sending' and returns them,
// urgent first, then by due time. A later part of a message is claimed
// only once the part before it was sent to that group, so parts arrive in
// order. Only deliveries of priority rank maxPriority or more urgent are
// claimed (0 during quiet hours). Deliveries of a notice that was cancelled, rejected or has expired
// are not claimed.
func (s *Store) ClaimJobs(ctx context.Context, now time.Time, limit int, maxPriority PriorityRank) ([]Delivery, error) {
	return s.RecordAndClaim(ctx, nil, Claim{Now: now, Limit: limit, MaxRank: maxPriority})
}

// Claim says what RecordAndClaim claims: up to Limit deliveries due at
// Now, of priority rank MaxRank or more urgent, as ClaimJobs does. A Limit
// of 0 claims nothing.
type Claim struct {
	Now     time.Time
	Limit   int
	MaxRank PriorityRank
	// Communes, when not nil, claims only deliveries of these communes:
	// those whose OA can send now (the daemon's routing, schedule.Senders).
	// Empty claims nothing.
	Communes []int64
	// Fair makes the communes take turns at the same priority: each
	// commune's due deliveries are numbered in their order, and the claim
	// takes the first of every commune before the second of any, so one
	// commune's backlog delays another's notice by at most a batch. At
	// each turn the communes go in the order of their ids, starting after
	// the commune the store's previous fair claim ended with, so that
	// with more busy communes than a batch holds none waits for the
	// others to finish. The claimed rows come back in that order (turn by
	// turn), so that a commune's rows in one batch are not sent one after
	// the other, each waiting for its OA's own limit.
	Fair bool
	// PerCommune, with Fair, claims at most that many rows of each commune
	// named (the others: as many as Limit allows). A commune whose OA's own
	// limit is low is claimed no faster than it can send, so that its rows
	// do not wait in line, claimed, ahead of other communes' (dispatcher).
	PerCommune map[int64]int
}

// RecordAndClaim writes the outcomes of sends, as Record does, and then
// claims the next batch, as ClaimJobs does, in one transaction: one commit
// instead of two per batch. The claims are committed when it returns, before
// any of them may be sent; if it fails, nothing is written (the results'
// rows stay 'sending' for the reconciler) and nothing is claimed.
func (s *Store) RecordAndClaim(ctx context.Context, results []Result, c Claim) ([]Delivery, error) {
	if len(results) == 0 && c.Limit <= 0 {
		return nil, nil
	}
	var jobs []Delivery
	err := s.commit(ctx, func(tx *txn) error {
		jobs = jobs[:0]
		if err := record(ctx, tx, results); err != nil {
			return err
		}
		if c.Limit <= 0 {
			return nil
		}
		var err error
		jobs, err = claim(ctx, tx, c, s.fairAfter.Load())
		return err
	})
	if err != nil {
		return nil, err
	}
	if c.Fair && len(jobs) > 0 {
		s.fairAfter.Store(jobs[len(jobs)-1].CommuneID) // committed: the next fair claim starts after it
	}
	return jobs, nil
}

// readySQL holds for a due row d that may be sent now: the part before it
// was sent, or, a message's first part, no other message is under way in
// its group (a later part of it still to go, the part before that sent,
// its notice not stopped or withdrawn: 0020); and its notice is not
// cancelled, rejected, expired (the parameter: now) or withdrawn.
var readySQL = `((d.part = 1 AND NOT EXISTS (SELECT 1 FROM deliveries x
	                  WHERE x.group_id = d.group_id AND x.part > 1 AND x.status IN ('queued', 'retry', 'sending')
	                    AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.id = x.notice_id
	                                    AND n.status IN ('cancelled', 'rejected', 'expired'))
	                    AND NOT ` + withdrawnOf("x") + `
	                    AND (x.status = 'sending' OR ` + partBeforeSentSQL("x") + `)))
	       OR ` + partBeforeSentSQL("d") + `)
	  AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.id = d.notice_id
	       AND (n.status IN ('cancelled', 'rejected', 'expired') OR n.expires_at <= ?))
	  AND NOT ` + withdrawnSQL

// partBeforeSentSQL is true for a delivery (alias a) whose part before it
// (of its occurrence to its hamlet, or of its bulletin) was sent.
func partBeforeSentSQL(a string) string {
	return strings.ReplaceAll(`(EXISTS (SELECT 1 FROM deliveries p WHERE p.occurrence_id = $.occurrence_id
	                  AND p.hamlet_id = $.hamlet_id AND p.part = $.part - 1 AND p.status = 'sent')
	       OR EXISTS (SELECT 1 FROM deliveries p WHERE p.bulletin_id = $.bulletin_id
	                  AND p.part = $.part - 1 AND p.status = 'sent'))`, "$", a)
}

// claim claims c; with c.Fair, each turn's communes go by id starting
// after commune after (the rotation's start).
func claim(ctx context.Context, tx *txn, c Claim, after int64) ([]Delivery, error) {
	if c.Communes != nil && len(c.Communes) == 0 {
		return nil, nil
	}
	if c.Fair {
		return claimFair(ctx, tx, c, after)
	}
	ts := fmtTime(c.Now)
	communes := ""
	if c.Communes != nil {
		communes = " AND d.commune_id IN (" + idList(c.Communes) + ")"
	}
	// By priority, then due time: for one commune, the order of its part of
	// deliveries_due, so the search stops after Limit ready rows.
	rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
			claimed_at = ?, updated_at = ?
		WHERE id IN (
			SELECT d.id FROM deliveries d
			WHERE d.status IN ('queued', 'retry') AND d.next_attempt_at <= ? AND d.priority <= ?`+communes+`
			  AND `+readySQL+`
			ORDER BY d.priority, d.next_attempt_at, d.id
			LIMIT ?)
		RETURNING `+claimColumns, ts, ts, ts, c.MaxRank, ts, c.Limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	jobs, err := claimed(ctx, tx, rows, c.Limit)
	if err != nil {
		return nil, err
	}
	sort.Slice(jobs, func(a, b int) bool { return byDue(jobs[a], jobs[b]) })
	return jobs, nil
}

// claimed reads the rows an UPDATE … RETURNING claimColumns claimed, and
// gives them their occurrences' texts.
func claimed(ctx context.Context, tx *txn, rows *sql.Rows, limit int) ([]Delivery, error) {
	defer rows.Close()
	jobs := make([]Delivery, 0, limit)
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := occurrenceTexts(ctx, tx, jobs); err != nil {
		return nil, err
	}
	return jobs, nil
}

// byDue orders deliveries by priority, then due time, then id.
func byDue(x, y Delivery) bool {
	if x.Priority != y.Priority {
		return x.Priority < y.Priority
	}
	if !x.DueAt.Equal(y.DueAt) {
		return x.DueAt.Before(y.DueAt)
	}
	return x.ID < y.ID
}

// SendingJobs returns the deliveries left in 'sending' whose claim is older
// than before: candidates for reconciliation.
func (s *Store) SendingJobs(ctx context.Context, before time.Time) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM deliveries
		WHERE status = 'sending' AND claimed_at <= ? ORDER BY id`, fmtTime(before))
	if err != nil {
		return nil, fmt.Errorf("list sending deliveries: %w", err)
	}
	defer rows.Close()
	var jobs []Delivery
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// NextAttempt is the earliest time after now at which a queued or retrying
// delivery becomes due, or the zero time when there is none. Deliveries
// due already are left out: those that could be claimed have been, and
// the rest wait for something else (the part before them, the end of
// quiet hours), so they must not hide a later retry.
func (s *Store) NextAttempt(ctx context.Context, now time.Time) (time.Time, error) {
	var ts sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM deliveries
		WHERE status IN ('queued', 'retry') AND next_attempt_at > ?`, fmtTime(now)).Scan(&ts)
	if err != nil || !ts.Valid {
		return time.Time{}, err
	}
	return parseTime(ts)
}

// QueueDepth counts deliveries still to send (queued, retry or sending).
func (s *Store) QueueDepth(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM deliveries WHERE status IN ('queued', 'retry')) +
		(SELECT count(*) FROM deliveries WHERE status = 'sending')`).Scan(&n)
	return n, err
}

// parseText reads a time the daemon itself stored; a malformed one reads
// as the zero time.
func parseText(s string) time.Time {
	t, _ := parseTime(sql.NullString{String: s, Valid: s != ""})
	return t
}

// KnownMessageIDs reports which of the Zalo message ids, all seen in the
// conversation of group groupID (its history, or Zalo's echo of a send to
// it), are already recorded on a delivery. Only the group's deliveries are
// looked at: a message in a group's conversation can only be recorded on a
// delivery to that group, since a delivery's message id is Zalo's answer
// to the send to its group_id, or was found in that group's history or
// echo, and a delivery's group_id never changes. So the lookup reads the
// group's deliveries, found by deliveries_group, which is written when a
// delivery is materialised, instead of an index of the random message ids,
// which every outcome wrote (migration 0017, docs/PERFORMANCE.md). That
// reads every delivery the group ever had (1,000 a few ms): the reconciler
// and the echo ask only about messages that could settle a delivery.
func (s *Store) KnownMessageIDs(ctx context.Context, groupID string, ids []string) (map[string]bool, error) {
	known := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return known, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, knownMessagesSQL, groupID, string(list))
	if err != nil {
		return nil, fmt.Errorf("look up %d Zalo messages of group %s: %w", len(ids), groupID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		known[id] = true
	}
	return known, rows.Err()
}

// knownMessagesSQL finds which of the deliveries to a group carry one of
// the message ids (a JSON array), through deliveries_group
// (TestKnownMessageIDsSearchesTheGroup checks the plan).
const knownMessagesSQL = `SELECT DISTINCT message_id FROM deliveries
	WHERE group_id = ? AND message_id IN (SELECT value FROM json_each(?))`

// DeliveryCounts counts deliveries by state: all of them, or those changed
// since t when t is not zero.
func (s *Store) DeliveryCounts(ctx context.Context, since time.Time) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM deliveries
		WHERE ?1 IS NULL OR updated_at >= ?1 GROUP BY status`, fmtTime(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		counts[st] = n
	}
	return counts, rows.Err()
}

// AnyDue reports whether a delivery of priority rank maxRank or more
// urgent (0 urgent, 2 low) is due at now: work the dispatcher would claim.
func (s *Store) AnyDue(ctx context.Context, now time.Time, maxRank PriorityRank) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM deliveries
		WHERE status IN ('queued', 'retry') AND priority <= ? AND next_attempt_at <= ? LIMIT 1)`,
		maxRank, fmtTime(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("due deliveries: %w", err)
	}
	return n > 0, nil
}

// AnyDueOf is AnyDue for the deliveries of communes ids only: in a
// province, a disconnected commune's deliveries stay due for hours and must
// not count as work for the others.
func (s *Store) AnyDueOf(ctx context.Context, now time.Time, maxRank PriorityRank, ids []int64) (bool, error) {
	if len(ids) == 0 {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM deliveries
		WHERE status IN ('queued', 'retry') AND priority <= ? AND next_attempt_at <= ?
		AND commune_id IN (`+idList(ids)+`) LIMIT 1)`,
		maxRank, fmtTime(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("due deliveries: %w", err)
	}
	return n > 0, nil
}

// idList writes ids for an IN list: they are integers, never text.
func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// QueueDepthByCommune counts each commune's deliveries still to send
// (queued, retry or sending), by commune id; province mode's /healthz.
func (s *Store) QueueDepthByCommune(ctx context.Context) (map[int64]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT coalesce(commune_id, 0), count(*) FROM deliveries
		WHERE status IN ('queued', 'retry', 'sending') GROUP BY commune_id`)
	if err != nil {
		return nil, fmt.Errorf("count the queue by commune: %w", err)
	}
	defer rows.Close()
	m := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count the queue by commune: %w", err)
		}
		m[id] = n
	}
	return m, rows.Err()
}
