package schedule

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// The gauges the alert rules of deploy/prometheus/loaxa-rules.yml read,
// besides those of metrics.go.

// oldestDueAge is how long the oldest delivery that could be sent now has
// been waiting: urgent ones since they fell due; normal and low ones, which
// quiet hours hold on purpose, since they fell due or the last quiet window
// ended, whichever is later, and not at all during quiet hours. Zero when
// nothing waits.
func (r *Runner) oldestDueAge(ctx context.Context) (time.Duration, error) {
	now := r.now()
	var age time.Duration
	urgent, err := r.store.OldestDue(ctx, now, notices.RankUrgent, notices.RankUrgent)
	if err != nil {
		return 0, err
	}
	if !urgent.IsZero() {
		age = now.Sub(urgent)
	}
	q := r.cfg.QuietHours
	if q.Contains(now) {
		return age, nil
	}
	other, err := r.store.OldestDue(ctx, now, notices.RankNormal, notices.RankLow)
	if err != nil {
		return 0, err
	}
	if other.IsZero() {
		return age, nil
	}
	if end := q.LastEnd(now); end.After(other) {
		other = end
	}
	return max(age, now.Sub(other)), nil
}

// writeOpsMetrics writes the gauges of the token's life, the build and
// cmd's extra ones (the oldest due delivery and failing poll cycles are in
// writeMetrics).
func (r *Runner) writeOpsMetrics(ctx context.Context, w io.Writer) {
	savedAt, _ := r.store.ZaloTokensSavedAt(ctx) // zero when none, or unreadable: exported as 0
	var expiry int64
	if !savedAt.IsZero() {
		expiry = savedAt.Add(bot.RefreshTokenLife).Unix()
	}
	fmt.Fprintln(w, "# HELP loaxa_zalo_refresh_token_expiry_timestamp_seconds When the stored Zalo refresh token expires unless it is used (issued + 3 months).")
	fmt.Fprintln(w, "# TYPE loaxa_zalo_refresh_token_expiry_timestamp_seconds gauge")
	fmt.Fprintf(w, "loaxa_zalo_refresh_token_expiry_timestamp_seconds %d\n", expiry)
	fmt.Fprintln(w, "# HELP loaxa_build_info loaxa's version.")
	fmt.Fprintln(w, "# TYPE loaxa_build_info gauge")
	fmt.Fprintf(w, "loaxa_build_info{version=%q} 1\n", r.cfg.Version)
	r.writeCommuneMetrics(ctx, w)
	if r.cfg.ExtraMetrics != nil {
		r.cfg.ExtraMetrics(ctx, w)
	}
}
