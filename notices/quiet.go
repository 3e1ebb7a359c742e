package notices

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// QuietHours is a daily window, in the commune's zone, during which normal
// and low deliveries wait for the morning. Urgent ones go at once.
// The zero value means no quiet hours. The window carries its zone (In);
// one without a zone reads times in UTC, as a time.Time does.
type QuietHours struct {
	Start, End int // minutes after local midnight; Start > End wraps midnight
	On         bool
	loc        *time.Location
}

// In returns the window read in loc.
func (q QuietHours) In(loc *time.Location) QuietHours {
	q.loc = loc
	return q
}

// Location is the zone the window is read in (nil: none given, UTC).
func (q QuietHours) Location() *time.Location { return q.loc }

func (q QuietHours) zone() *time.Location {
	if q.loc == nil {
		return time.UTC
	}
	return q.loc
}

// MaxRank is the least urgent priority rank that may be sent at t: only
// urgent deliveries inside the window, all of them outside it.
func (q QuietHours) MaxRank(t time.Time) PriorityRank {
	if q.Contains(t) {
		return RankUrgent
	}
	return RankLow
}

// ParseQuietHours reads "21:00-06:00", or "off" for none; the window has
// no zone yet (In).
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "off") {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM, e.g. 21:00-06:00, or off", s)
	}
	start, err := parseClock(from)
	if err != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: %w", s, err)
	}
	end, err := parseClock(to)
	if err != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: %w", s, err)
	}
	if start == end {
		return QuietHours{}, fmt.Errorf("quiet hours %q: start and end are the same; use off for none", s)
	}
	return QuietHours{Start: start, End: end, On: true}, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return hh*60 + mm, nil
}

// String gives the form ParseQuietHours reads.
func (q QuietHours) String() string {
	if !q.On {
		return "off"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.Start/60, q.Start%60, q.End/60, q.End%60)
}

// Contains reports whether t falls inside the quiet window.
func (q QuietHours) Contains(t time.Time) bool {
	if !q.On {
		return false
	}
	lt := t.In(q.zone())
	m := lt.Hour()*60 + lt.Minute()
	if q.Start < q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}

// After returns t, or the end of the quiet window if t falls inside it.
func (q QuietHours) After(t time.Time) time.Time {
	if !q.Contains(t) {
		return t
	}
	loc := q.zone()
	lt := t.In(loc)
	end := time.Date(lt.Year(), lt.Month(), lt.Day(), q.End/60, q.End%60, 0, 0, loc)
	if !end.After(lt) {
		end = time.Date(lt.Year(), lt.Month(), lt.Day()+1, q.End/60, q.End%60, 0, 0, loc)
	}
	return end.UTC()
}

// LastEnd returns the latest end of a quiet window at or before t, or the
// zero time when there are no quiet hours. Deliveries held by the window
// have waited only since then.
func (q QuietHours) LastEnd(t time.Time) time.Time {
	if !q.On {
		return time.Time{}
	}
	loc := q.zone()
	lt := t.In(loc)
	end := time.Date(lt.Year(), lt.Month(), lt.Day(), q.End/60, q.End%60, 0, 0, loc)
	if end.After(lt) {
		end = time.Date(lt.Year(), lt.Month(), lt.Day()-1, q.End/60, q.End%60, 0, 0, loc)
	}
	return end.UTC()
}
