package notices

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Tally is how far a notice's deliveries went, counted in hamlets: where a
// message of it failed (and stays failed), where one arrived, and where
// one is still to go (queued, retrying, being sent, or held for a
// bulletin).
type Tally struct {
	Failed  int
	Reached int
	Left    int
}

// StatusText is a notice's status as staff read it, never hiding a
// failure, and never "đang gửi" over a notice with nothing left to send:
//   - nothing failed: the status ("đã gửi xong", "đã duyệt" …), except
//     that an approved notice with something still to go (a delivery
//     queued, retrying or being sent, e.g. waiting for a commune that is
//     not connected, or held for a bulletin) is "đang gửi";
//   - something still to go: "đang gửi, 1 ấp lỗi";
//   - nothing left, none arrived: "chưa gửi được, 2 ấp lỗi";
//   - nothing left, some arrived: "đã gửi, 1 ấp lỗi".
//
// A stopped notice (cancelled, expired …) keeps its status first:
// "đã hủy, 1 ấp lỗi". The site (dashboard, /notices, the notice page) and
// the CLI (notice list, notice show) all read it from here.
func StatusText(st Status, t Tally) string {
	if t.Failed <= 0 {
		if st == StatusApproved && t.Left > 0 {
			return "đang gửi"
		}
		return st.Label()
	}
	n := strconv.Itoa(t.Failed) + " ấp lỗi"
	switch st {
	case StatusDone, StatusApproved:
		switch {
		case t.Left > 0:
			return "đang gửi, " + n
		case t.Reached == 0:
			return "chưa gửi được, " + n
		}
		return "đã gửi, " + n
	}
	return st.Label() + ", " + n
}

// Tallies counts, for each notice in ids, its deliveries' hamlets (its
// own deliveries and the bulletins that carried it; a held occurrence
// counts as left to go in every hamlet it may reach, as one); notices
// with no delivery are absent from the map. A recurring notice counts
// each hamlet's latest run only (its latest not wholly skipped): an old
// run's failure that a later run made good is not a failure now.
func (s *Store) Tallies(ctx context.Context, ids []int64) (map[int64]Tally, error) {
	out := map[int64]Tally{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := "?" + strings.Repeat(", ?", len(ids)-1)
	// A row of an earlier run counts only while no later run of the notice
	// was materialised in its hamlet (not skipped): a recurring notice is
	// tallied over each hamlet's latest run, as HamletDeliveries.Last is.
	rows, err := s.db.QueryContext(ctx, `WITH r AS (
			SELECT d.notice_id, d.hamlet_id, d.status, coalesce(o.due_at, d.due_at) AS due FROM deliveries d
				LEFT JOIN occurrences o ON o.id = d.occurrence_id
			WHERE d.notice_id IN (`+in+`)
			UNION ALL
			SELECT o.notice_id, d.hamlet_id, d.status, o.due_at FROM occurrences o JOIN bulletin_items bi ON bi.occurrence_id = o.id
				JOIN deliveries d ON d.bulletin_id = bi.bulletin_id AND d.hamlet_id = bi.hamlet_id
			WHERE o.notice_id IN (`+in+`)
		)
		SELECT notice_id,
			count(DISTINCT CASE WHEN status = 'failed' THEN hamlet_id END),
			count(DISTINCT CASE WHEN status = 'sent' THEN hamlet_id END),
			count(DISTINCT CASE WHEN status IN ('queued', 'retry', 'sending', 'held') THEN hamlet_id END)
		FROM (
			SELECT notice_id, hamlet_id, status FROM r
			WHERE NOT EXISTS (SELECT 1 FROM r l WHERE l.notice_id = r.notice_id AND l.hamlet_id = r.hamlet_id
				AND l.status <> 'skipped' AND l.due > r.due)
			UNION ALL
			SELECT o.notice_id, 0, 'held' FROM occurrences o
			WHERE o.status = 'held' AND o.notice_id IN (`+in+`)
		) GROUP BY notice_id`, append(append(args, args...), args...)...)
	if err != nil {
		return nil, fmt.Errorf("delivery tallies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t Tally
		if err := rows.Scan(&id, &t.Failed, &t.Reached, &t.Left); err != nil {
			return nil, fmt.Errorf("delivery tallies: %w", err)
		}
		out[id] = t
	}
	return out, rows.Err()
}

// FailedHamlets counts, for each notice in ids, the hamlets where a
// delivery of it is failed now; notices with none are absent.
func (s *Store) FailedHamlets(ctx context.Context, ids []int64) (map[int64]int, error) {
	ts, err := s.Tallies(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64]int{}
	for id, t := range ts {
		if t.Failed > 0 {
			out[id] = t.Failed
		}
	}
	return out, nil
}
