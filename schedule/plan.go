package schedule

import (
	"fmt"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// maxCatchUp bounds how many missed occurrences of one recurring notice a
// single pass records; older ones are summarised as one skip.
const maxCatchUp = 100

// due is one moment at which a notice should go out.
type due struct {
	At     time.Time
	Skip   bool   // too late (recurring past the lateness bound) or past expiry
	Reason string // why it is skipped, for staff
}

// start is when a notice may first go out: its publish time, or the moment
// it was approved.
func start(n *notices.Notice) time.Time {
	switch {
	case !n.PublishAt.IsZero():
		return n.PublishAt
	case !n.ApprovedAt.IsZero():
		return n.ApprovedAt
	default:
		return n.CreatedAt
	}
}

// dueTimes lists the occurrences of an approved notice that are due at now
// and not yet materialised (after n.LastDueAt), oldest first. A one-off is
// due once, late rather than never; a recurring occurrence later than
// maxLate is skipped. Nothing is due at or after the notice's expiry.
func dueTimes(n *notices.Notice, now time.Time, maxLate time.Duration, loc *time.Location) ([]due, error) {
	expired := func(t time.Time) bool { return !n.ExpiresAt.IsZero() && !t.Before(n.ExpiresAt) }
	if n.Recurrence == "" {
		at := start(n)
		if !n.LastDueAt.IsZero() || at.After(now) || expired(at) {
			return nil, nil
		}
		return []due{{At: at}}, nil
	}
	rec, err := notices.ParseRecurrence(n.Recurrence, loc)
	if err != nil {
		return nil, err
	}
	from := n.LastDueAt
	if from.IsZero() {
		from = start(n).Add(-time.Second) // an occurrence exactly at the start counts
	}
	// Occurrences long past are not walked one by one: a notice every
	// minute that starts in the year 2000 (or 0000) would take the poll
	// loop minutes of CPU, every cycle, and hold up every other notice.
	// Only the last catchUpSpan before the lateness bound is listed.
	if oldest := now.Add(-maxLate - catchUpSpan); from.Before(oldest) {
		from = oldest
	}
	var out []due
	for t := rec.Next(from); !t.IsZero() && !t.After(now) && !expired(t); t = rec.Next(t) {
		late := now.Sub(t)
		if late > maxLate {
			out = append(out, due{At: t, Skip: true,
				Reason: fmt.Sprintf("bỏ qua: lúc đến giờ gửi %s phần mềm không chạy, trễ %s (quá %s)",
					t.In(loc).Format("15:04 02/01/2006"), roundLate(late), maxLate)})
		} else {
			out = append(out, due{At: t})
		}
		if len(out) > maxCatchUp {
			// Keep the newest: drop the oldest skips, the summary is in the log.
			out = out[1:]
		}
	}
	// Several occurrences due at once (the daemon was down, or a notice
	// every minute was approved with a start an hour back): residents get
	// the newest one, not one copy per missed minute.
	newest := -1
	for i, d := range out {
		if !d.Skip {
			newest = i
		}
	}
	for i := range out {
		if i < newest && !out[i].Skip {
			out[i].Skip = true
			out[i].Reason = fmt.Sprintf("bỏ qua: lượt %s chưa kịp gửi thì đã đến lượt %s; chỉ gửi lượt mới nhất",
				out[i].At.In(loc).Format("15:04 02/01/2006"), out[newest].At.In(loc).Format("15:04 02/01/2006"))
		}
	}
	return out, nil
}

// catchUpSpan is how far before the lateness bound missed occurrences of a
// recurring notice are still listed as skipped.
const catchUpSpan = 7 * 24 * time.Hour

func roundLate(d time.Duration) time.Duration {
	if d > time.Hour {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

// nextDue returns when an approved notice next becomes due after now, or the
// zero time when it never will: the poll loop sleeps until then.
func nextDue(n *notices.Notice, now time.Time, loc *time.Location) time.Time {
	if n.Recurrence == "" {
		at := start(n)
		if !n.LastDueAt.IsZero() || !at.After(now) {
			return time.Time{}
		}
		return at
	}
	rec, err := notices.ParseRecurrence(n.Recurrence, loc)
	if err != nil {
		return time.Time{}
	}
	from := now
	if s := start(n); s.After(from) {
		from = s.Add(-time.Second)
	}
	t := rec.Next(from)
	if t.IsZero() || (!n.ExpiresAt.IsZero() && !t.Before(n.ExpiresAt)) {
		return time.Time{}
	}
	return t
}
