package schedule

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// latencyBuckets are the upper bounds, in seconds, of the send latency
// histogram.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// metrics holds the daemon's counters. It writes the Prometheus text format
// itself: a few counters and two histograms do not justify a dependency.
type metrics struct {
	mu       sync.Mutex
	outcomes map[string]int64 // sent, retry, failed, unknown, held
	codes    map[int]int64    // Zalo error codes seen
	send     histogram
	poll     histogram
	lastPoll time.Time
	// Poll cycles that failed in a row, since when, and the last error;
	// all zero after a cycle that succeeds.
	pollFails    int
	pollFailFrom time.Time
	pollLastErr  string
}

type histogram struct {
	counts []int64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      int64
}

func (h *histogram) observe(v float64) {
	if h.counts == nil {
		h.counts = make([]int64, len(latencyBuckets)+1)
	}
	i, _ := slices.BinarySearch(latencyBuckets, v)
	h.counts[i]++
	h.sum += v
	h.n++
}

func (h *histogram) write(w io.Writer, name string) {
	var cum int64
	for i, b := range latencyBuckets {
		if h.counts != nil {
			cum += h.counts[i]
		}
		fmt.Fprintf(w, "%s_bucket{le=%q} %d\n", name, strconv.FormatFloat(b, 'g', -1, 64), cum)
	}
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, h.n, name, h.sum, name, h.n)
}

func newMetrics() *metrics {
	// Every outcome is exported from the start, at 0, so that a rate over
	// the first failure sees it (a series that appears at 1 has no increase).
	outcomes := map[string]int64{}
	for _, o := range []string{"sent", "retry", "failed", "unknown"} {
		outcomes[o] = 0
	}
	return &metrics{outcomes: outcomes, codes: map[int]int64{}}
}

// observe counts one send and logs it.
func (r *Runner) observe(res result) {
	m := r.metrics
	outcome := string(res.Status)
	if res.Status == notices.DeliverySending {
		outcome = "unknown"
	}
	m.mu.Lock()
	m.outcomes[outcome]++
	if res.Code != 0 {
		m.codes[res.Code]++
	}
	m.send.observe(res.took.Seconds())
	m.mu.Unlock()

	ev := r.log.Info()
	if res.err != nil {
		ev = r.log.Warn().Err(res.err).Str("reason", res.Error)
		if res.Status == notices.DeliveryFailed {
			ev = r.log.Error().Err(res.err).Str("reason", res.Error)
		}
	}
	ev.Int64("delivery_id", res.job.ID).Int64("notice_id", res.job.NoticeID).Int64("hamlet", res.job.HamletID).
		Int("zalo_code", res.Code).Int("attempt", res.job.Attempts).Int64("took_ms", res.took.Milliseconds()).
		Str("outcome", outcome).Msg("delivery")
}

func (m *metrics) observePoll(took time.Duration, at time.Time, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.poll.observe(took.Seconds())
	m.lastPoll = at
	if err == nil {
		m.pollFails, m.pollFailFrom, m.pollLastErr = 0, time.Time{}, ""
		return
	}
	if m.pollFails == 0 {
		m.pollFailFrom = at
	}
	m.pollFails++
	m.pollLastErr = err.Error()
}

// backlog is what the queue looks like for /metrics and /healthz: the
// notices set aside and the age of the oldest due delivery not yet sent.
type backlog struct {
	setAside  []notices.SetAsideNotice
	oldestDue time.Time // since when the oldest delivery that could go now has waited (oldestDueAge); zero if none
}

// oldestDueAge is how long the oldest due delivery has waited at now.
func (b backlog) oldestDueAge(now time.Time) time.Duration {
	if b.oldestDue.IsZero() || b.oldestDue.After(now) {
		return 0
	}
	return now.Sub(b.oldestDue)
}

// writeMetrics writes the Prometheus text exposition.
func (r *Runner) writeMetrics(w io.Writer, counts map[string]int, tok bot.TokenHealth, b backlog) {
	m := r.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP loaxa_deliveries Deliveries in the database by state.")
	fmt.Fprintln(w, "# TYPE loaxa_deliveries gauge")
	for _, st := range []string{"queued", "sending", "sent", "retry", "failed", "skipped"} {
		fmt.Fprintf(w, "loaxa_deliveries{state=%q} %d\n", st, counts[st])
	}
	fmt.Fprintln(w, "# HELP loaxa_send_outcomes_total Outcomes of sends by this process.")
	fmt.Fprintln(w, "# TYPE loaxa_send_outcomes_total counter")
	for _, o := range sortedKeys(m.outcomes) {
		fmt.Fprintf(w, "loaxa_send_outcomes_total{outcome=%q} %d\n", o, m.outcomes[o])
	}
	fmt.Fprintln(w, "# HELP loaxa_zalo_errors_total Zalo error codes answered to this process.")
	fmt.Fprintln(w, "# TYPE loaxa_zalo_errors_total counter")
	for _, c := range sortedKeys(m.codes) {
		fmt.Fprintf(w, "loaxa_zalo_errors_total{code=\"%d\"} %d\n", c, m.codes[c])
	}
	fmt.Fprintln(w, "# HELP loaxa_send_duration_seconds Time of one call to Zalo, including pacing.")
	fmt.Fprintln(w, "# TYPE loaxa_send_duration_seconds histogram")
	m.send.write(w, "loaxa_send_duration_seconds")
	target, rtt := r.flight.current()
	fmt.Fprintln(w, "# HELP loaxa_send_inflight_target Sends allowed on the wire at once: rate × round trip, or LOAXA_SEND_CONCURRENCY.")
	fmt.Fprintln(w, "# TYPE loaxa_send_inflight_target gauge")
	fmt.Fprintf(w, "loaxa_send_inflight_target %d\n", target)
	fmt.Fprintln(w, "# HELP loaxa_send_inflight Sends on the wire now.")
	fmt.Fprintln(w, "# TYPE loaxa_send_inflight gauge")
	fmt.Fprintf(w, "loaxa_send_inflight %d\n", r.flight.busy.Load())
	fmt.Fprintln(w, "# HELP loaxa_send_rtt_seconds Moving average of the round trip of answered sends, without pacing (0 before the first).")
	fmt.Fprintln(w, "# TYPE loaxa_send_rtt_seconds gauge")
	fmt.Fprintf(w, "loaxa_send_rtt_seconds %g\n", rtt.Seconds())
	fmt.Fprintln(w, "# HELP loaxa_poll_duration_seconds Time of one poll cycle.")
	fmt.Fprintln(w, "# TYPE loaxa_poll_duration_seconds histogram")
	m.poll.write(w, "loaxa_poll_duration_seconds")
	fmt.Fprintln(w, "# HELP loaxa_last_poll_timestamp_seconds When the last poll cycle ran.")
	fmt.Fprintln(w, "# TYPE loaxa_last_poll_timestamp_seconds gauge")
	fmt.Fprintf(w, "loaxa_last_poll_timestamp_seconds %d\n", unixOrZero(m.lastPoll))
	fmt.Fprintln(w, "# HELP loaxa_poll_failures_consecutive Poll cycles that failed in a row (0 after one that succeeds).")
	fmt.Fprintln(w, "# TYPE loaxa_poll_failures_consecutive gauge")
	fmt.Fprintf(w, "loaxa_poll_failures_consecutive %d\n", m.pollFails)
	fmt.Fprintln(w, "# HELP loaxa_notices_set_aside Approved or pending notices set aside as damaged, waiting for a person.")
	fmt.Fprintln(w, "# TYPE loaxa_notices_set_aside gauge")
	fmt.Fprintf(w, "loaxa_notices_set_aside %d\n", len(b.setAside))
	fmt.Fprintln(w, "# HELP loaxa_oldest_due_delivery_age_seconds How long the oldest due delivery not yet sent has waited (0 if none).")
	fmt.Fprintln(w, "# TYPE loaxa_oldest_due_delivery_age_seconds gauge")
	fmt.Fprintf(w, "loaxa_oldest_due_delivery_age_seconds %g\n", b.oldestDueAge(r.now()).Seconds())
	fmt.Fprintln(w, "# HELP loaxa_zalo_connected 1 while the Zalo OA token can be used.")
	fmt.Fprintln(w, "# TYPE loaxa_zalo_connected gauge")
	fmt.Fprintf(w, "loaxa_zalo_connected %d\n", boolInt(tok.Connected))
	fmt.Fprintln(w, "# HELP loaxa_zalo_token_expiry_timestamp_seconds When the Zalo access token expires.")
	fmt.Fprintln(w, "# TYPE loaxa_zalo_token_expiry_timestamp_seconds gauge")
	fmt.Fprintf(w, "loaxa_zalo_token_expiry_timestamp_seconds %d\n", unixOrZero(tok.AccessExpiresAt))
}

func sortedKeys[K int | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
