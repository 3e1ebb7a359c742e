package notices

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// StatusText is a notice's status as staff read it, never hiding a
// failure: a finished notice with hamlets whose message failed reads
// "đã gửi, 1 ấp lỗi", not "đã gửi xong"; one still going says how many
// have failed so far.
func StatusText(st Status, failedHamlets int) string {
	if failedHamlets <= 0 {
		return st.Label()
	}
	n := strconv.Itoa(failedHamlets) + " ấp lỗi"
	switch st {
	case StatusDone:
		return "đã gửi, " + n
	case StatusApproved:
		return "đang gửi, " + n
	}
	return st.Label() + ", " + n
}

// FailedHamlets counts, for each notice in ids, the hamlets where a
// delivery of it (its own, or the bulletin that carried it) is failed now;
// notices with none are absent from the map.
func (s *Store) FailedHamlets(ctx context.Context, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := "?" + strings.Repeat(", ?", len(ids)-1)
	rows, err := s.db.QueryContext(ctx, `SELECT notice_id, count(DISTINCT hamlet_id) FROM (
			SELECT d.notice_id, d.hamlet_id FROM deliveries d
			WHERE d.status = 'failed' AND d.notice_id IN (`+in+`)
			UNION ALL
			SELECT o.notice_id, d.hamlet_id FROM occurrences o JOIN bulletin_items bi ON bi.occurrence_id = o.id
				JOIN deliveries d ON d.bulletin_id = bi.bulletin_id AND d.hamlet_id = bi.hamlet_id
			WHERE d.status = 'failed' AND o.notice_id IN (`+in+`)
		) GROUP BY notice_id`, append(args, args...)...)
	if err != nil {
		return nil, fmt.Errorf("failed hamlets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("failed hamlets: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}
