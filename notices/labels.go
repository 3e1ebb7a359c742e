package notices

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Label is a priority as staff read it, on the site and in the CLI.
func (p Priority) Label() string {
	switch p {
	case Urgent:
		return "khẩn cấp"
	case Low:
		return "thấp (gộp vào bản tin)"
	}
	return "thường"
}

// Label is a kind as staff read it, on the site and in the CLI.
func (k Kind) Label() string {
	switch k {
	case KindUpdate:
		return "đính chính"
	case KindCancel:
		return "hủy thông báo"
	}
	return "thông báo"
}

// RetryWaits are, for those of the notices ids with a message waiting to
// be sent again after a failure (a 'retry' delivery), the earliest time
// one is due again: such a notice reads «chờ gửi lại lúc …», not only
// «đã duyệt».
func (s *Store) RetryWaits(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT notice_id, min(next_attempt_at) FROM deliveries
		WHERE status = 'retry' AND notice_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) GROUP BY notice_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("retry waits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("retry waits: %w", err)
		}
		out[id] = parseText(at)
	}
	return out, rows.Err()
}

// RetryWaitText is «chờ gửi lại lúc …» for a retry due at at, in loc.
func RetryWaitText(at time.Time, loc *time.Location) string {
	return "chờ gửi lại lúc " + FormatDisplay(at, loc)
}
