package notices

import (
	"fmt"
	"time"
)

// Rules are the commune's sending rules: when a notice is next due, when it
// will really go out (quiet hours, bulletin slots), and whether it can still
// be sent. The daemon (schedule), the site (web) and the CLI all ask these,
// so that what staff are told is what the daemon does.
type Rules struct {
	Location *time.Location
	Quiet    QuietHours // in its own zone (QuietHours.In), normally Location
	// Bulletin holds the bulletin slots (LOAXA_BULLETIN); nil means none
	// are known, and a low notice's bulletin time is then unknown.
	Bulletin []Recurrence
	// MaxLateness: a recurring occurrence later than this is skipped.
	MaxLateness time.Duration
}

// NewRules parses the bulletin specs; quiet is read in loc unless it has a
// zone of its own, and maxLate is taken as given.
func NewRules(loc *time.Location, quiet QuietHours, bulletin []string, maxLate time.Duration) (Rules, error) {
	if quiet.Location() == nil {
		quiet = quiet.In(loc)
	}
	r := Rules{Location: loc, Quiet: quiet, MaxLateness: maxLate}
	for _, spec := range bulletin {
		rec, err := ParseRecurrence(spec, loc)
		if err != nil {
			return Rules{}, fmt.Errorf("bulletin slot %q: %w", spec, err)
		}
		r.Bulletin = append(r.Bulletin, rec)
	}
	return r, nil
}

// Start is when notice n may first go out: its publish time, or the moment
// it was approved (its creation, for a row inserted already approved).
func Start(n *Notice) time.Time {
	switch {
	case !n.PublishAt.IsZero():
		return n.PublishAt
	case !n.ApprovedAt.IsZero():
		return n.ApprovedAt
	default:
		return n.CreatedAt
	}
}

// expiredAt says whether nothing of n may go out at t.
func expiredAt(n *Notice, t time.Time) bool { return !n.ExpiresAt.IsZero() && !t.Before(n.ExpiresAt) }

// NextDue is when an approved notice next falls due after now, or the zero
// time when it never will (a one-off already made due, or expired).
func (r Rules) NextDue(n *Notice, now time.Time) time.Time {
	if n.Recurrence == "" {
		at := Start(n)
		if !n.LastDueAt.IsZero() || !at.After(now) || expiredAt(n, at) {
			return time.Time{}
		}
		return at
	}
	rec, err := ParseRecurrence(n.Recurrence, r.Location)
	if err != nil {
		return time.Time{}
	}
	from := now
	if s := Start(n); s.After(from) {
		from = s.Add(-time.Second) // an occurrence exactly at the start counts
	}
	t := rec.Next(from)
	if t.IsZero() || expiredAt(n, t) {
		return time.Time{}
	}
	return t
}

// NextDueN lists up to k coming occurrences of a notice after now, the
// first being NextDue.
func (r Rules) NextDueN(n *Notice, now time.Time, k int) []time.Time {
	var out []time.Time
	for t := r.NextDue(n, now); !t.IsZero() && len(out) < k; {
		out = append(out, t)
		if n.Recurrence == "" {
			break
		}
		rec, _ := ParseRecurrence(n.Recurrence, r.Location)
		if t = rec.Next(t); expiredAt(n, t) {
			break
		}
	}
	return out
}

// Due is one moment at which a notice should go out.
type Due struct {
	At     time.Time
	Skip   bool   // too late (recurring past the lateness bound)
	Reason string // why it is skipped, for staff
}

// maxCatchUp bounds how many missed occurrences of one recurring notice a
// single pass records; older ones are dropped (the daemon logs them).
const maxCatchUp = 100

// DueTimes lists the occurrences of an approved notice that are due at now
// and not yet materialised (after n.LastDueAt), oldest first. A one-off is
// due once, late rather than never; a recurring occurrence later than
// MaxLateness is skipped. Nothing is due at or after the notice's expiry.
func (r Rules) DueTimes(n *Notice, now time.Time) ([]Due, error) {
	if n.Recurrence == "" {
		at := Start(n)
		if !n.LastDueAt.IsZero() || at.After(now) || expiredAt(n, at) {
			return nil, nil
		}
		return []Due{{At: at}}, nil
	}
	rec, err := ParseRecurrence(n.Recurrence, r.Location)
	if err != nil {
		return nil, err
	}
	from := n.LastDueAt
	if from.IsZero() {
		from = Start(n).Add(-time.Second)
	}
	// Occurrences long past are not walked one by one: a notice every
	// minute that starts in the year 2000 (or 0000) would take the poll
	// loop minutes of CPU, every cycle, and hold up every other notice.
	// Only the last catchUpSpan before the lateness bound is listed.
	if oldest := now.Add(-r.MaxLateness - catchUpSpan); from.Before(oldest) {
		from = oldest
	}
	var out []Due
	for t := rec.Next(from); !t.IsZero() && !t.After(now) && !expiredAt(n, t); t = rec.Next(t) {
		if late := now.Sub(t); late > r.MaxLateness {
			out = append(out, Due{At: t, Skip: true,
				Reason: fmt.Sprintf("bỏ qua: lúc đến giờ gửi %s phần mềm không chạy, trễ %s (quá %s)",
					t.In(r.Location).Format(DisplayLayout), roundLate(late), r.MaxLateness)})
		} else {
			out = append(out, Due{At: t})
		}
		if len(out) > maxCatchUp {
			out = out[1:] // keep the newest
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
				out[i].At.In(r.Location).Format(DisplayLayout), out[newest].At.In(r.Location).Format(DisplayLayout))
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

// NextBulletin is the first bulletin slot after t, or zero when none is known.
func (r Rules) NextBulletin(t time.Time) time.Time {
	var next time.Time
	for _, rec := range r.Bulletin {
		if s := rec.Next(t); !s.IsZero() && (next.IsZero() || s.Before(next)) {
			next = s
		}
	}
	return next
}

// SendAt is when something of priority p that falls due at due (or is
// handed over at now, if later) will really be sent: at once when urgent;
// after the quiet hours when normal; for low, with the first bulletin slot
// after it, itself past the quiet hours. Zero when no bulletin slot is known.
func (r Rules) SendAt(p Priority, due, now time.Time) time.Time {
	t := due
	if now.After(t) {
		t = now
	}
	switch p {
	case Urgent:
		return t
	case Low:
		slot := r.NextBulletin(t)
		if slot.IsZero() {
			return time.Time{}
		}
		return r.Quiet.After(slot)
	}
	return r.Quiet.After(t)
}

// Superseded says whether a run of a recurring notice of priority p due at
// due, held for quiet hours, gives way to the next run due at next: next
// falls due no later than the held run would be sent (the quiet hours'
// end), so only next goes (supersede.go; the calendar counts the same).
func (r Rules) Superseded(p Priority, due, next time.Time) bool {
	at := r.SendAt(p, due, due)
	return p != Low && at.After(due) && !next.After(at) && next.After(due)
}

// StillSendable says whether anything of n may still go out at t: it has
// not been stopped (cancelled, rejected, expired) and t is before its
// expiry. The dispatcher's claim (queue.go) and the retries (activity.go)
// keep the same rule in SQL.
func StillSendable(n *Notice, t time.Time) bool {
	switch n.Status {
	case StatusCancelled, StatusRejected, StatusExpired:
		return false
	}
	return !expiredAt(n, t)
}

// Clock shows t as staff read a coming moment: "06:00" within a day of
// now, else "02/12 06:00" (DisplayShort).
func (r Rules) Clock(t, now time.Time) string {
	lt := t.In(r.Location)
	if d := t.Sub(now); d < 24*time.Hour && d > -24*time.Hour {
		return lt.Format("15:04")
	}
	return lt.Format(DisplayShort)
}

// WaitText says until when hamlet h waits for notice n, as staff read it:
// "chờ hết giờ yên lặng, dự kiến 06:00", "vào bản tin 17:30", "thử lại
// lúc 06:12", "dự kiến 08:00"; "" when it is not waiting (sent, failed,
// being sent, or about to be).
func (r Rules) WaitText(n *Notice, h HamletDeliveries, now time.Time) string {
	quietText := func(t time.Time) string { return "chờ hết giờ yên lặng, dự kiến " + r.Clock(t, now) }
	switch h.State() {
	case DeliveryRetry, DeliveryQueued:
		t := h.NextAttemptAt
		eff := t
		if now.After(eff) {
			eff = now
		}
		if n.Priority != Urgent {
			if q := r.Quiet.After(eff); q.After(eff) {
				return quietText(q)
			}
		}
		switch {
		case h.State() == DeliveryRetry:
			return "thử lại lúc " + r.Clock(eff, now)
		case !t.After(now):
			return ""
		case n.Priority != Urgent && r.Quiet.Contains(t.Add(-time.Second)):
			return quietText(t) // held to the end of the quiet hours
		}
		return "dự kiến " + r.Clock(t, now)
	case "":
		if n.Status != StatusApproved || n.Damaged != "" {
			return ""
		}
		if n.Priority == Low {
			if at := r.BulletinFor(n, now); !at.IsZero() {
				return "vào bản tin " + r.Clock(at, now)
			}
			return ""
		}
		due := r.NextDue(n, now)
		if due.IsZero() {
			return ""
		}
		at := r.SendAt(n.Priority, due, now)
		switch {
		case at.After(due):
			return "hẹn " + r.Clock(due, now) + ", chờ hết giờ yên lặng, dự kiến " + r.Clock(at, now)
		}
		return "hẹn gửi lúc " + r.Clock(at, now)
	}
	return ""
}

// LastBulletin is the newest bulletin slot at or before t, within two
// days, or zero.
func (r Rules) LastBulletin(t time.Time) time.Time {
	var last time.Time
	for _, rec := range r.Bulletin {
		for s := rec.Next(t.Add(-48 * time.Hour)); !s.IsZero() && !s.After(t); s = rec.Next(s) {
			if s.After(last) {
				last = s
			}
		}
	}
	return last
}

// BulletinFor is when the bulletin that carries low notice n goes out: the
// next one after now when an occurrence is held (fell due since the last
// slot), else the first after its next due time; zero when none will.
func (r Rules) BulletinFor(n *Notice, now time.Time) time.Time {
	held := !n.LastDueAt.IsZero() && n.LastDueAt.After(r.LastBulletin(now))
	dueNow := n.Recurrence == "" && n.LastDueAt.IsZero() && !Start(n).After(now) && !expiredAt(n, now)
	if held || dueNow {
		return r.SendAt(Low, now, now)
	}
	due := r.NextDue(n, now)
	if due.IsZero() {
		return time.Time{}
	}
	return r.SendAt(Low, due, now)
}
