package notices

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Recurrence is a parsed schedule of a recurring notice: a standard 5-field
// cron spec ("minute hour day-of-month month day-of-week") or a descriptor
// (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly),
// evaluated in the commune's zone whatever the machine's zone.
//
// @every is refused: it counts from when a scheduler starts, not from the
// calendar, so the same notice would fire at different times after each
// restart. A "TZ=" or "CRON_TZ=" prefix is refused too: the commune's zone
// applies to every notice.
type Recurrence struct {
	Spec  string
	sched *cron.SpecSchedule
}

// ParseRecurrence parses spec for evaluation in loc. It refuses a spec that
// never fires (such as "0 0 30 2 *"). The error is a sentence in Vietnamese.
func ParseRecurrence(spec string, loc *time.Location) (Recurrence, error) {
	spec = strings.Join(strings.Fields(spec), " ")
	hint := `hãy dùng lịch cron 5 trường "phút giờ ngày tháng thứ" như "0 7 * * 1" (7:00 sáng thứ Hai) hoặc @daily, @weekly, @monthly`
	switch {
	case spec == "":
		return Recurrence{}, errors.New("Lịch lặp đang trống; " + hint)
	case strings.HasPrefix(spec, "@every"):
		return Recurrence{}, fmt.Errorf("Lịch lặp %q dùng @every, loaxa không hỗ trợ vì nó không bám theo giờ lịch; %s", spec, hint)
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return Recurrence{}, fmt.Errorf("Lịch lặp %q không được tự đặt múi giờ: mọi lịch đều theo giờ %s; hãy bỏ phần TZ=", spec, loc)
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return Recurrence{}, fmt.Errorf("Lịch lặp %q không hợp lệ; %s", spec, hint)
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		return Recurrence{}, fmt.Errorf("Lịch lặp %q không hợp lệ; %s", spec, hint)
	}
	ss.Location = loc
	r := Recurrence{Spec: spec, sched: ss}
	if r.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Recurrence{}, fmt.Errorf("Lịch lặp %q không bao giờ đến (ngày không có thật?); %s", spec, hint)
	}
	return r, nil
}

// Next returns the first time after after that the schedule fires, in UTC,
// or the zero time if it never does.
func (r Recurrence) Next(after time.Time) time.Time {
	if r.sched == nil {
		return time.Time{}
	}
	t := r.sched.Next(after)
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// NextN returns the next n times after after, in UTC.
func (r Recurrence) NextN(after time.Time, n int) []time.Time {
	var ts []time.Time
	for range n {
		t := r.Next(after)
		if t.IsZero() {
			break
		}
		ts = append(ts, t)
		after = t
	}
	return ts
}

// Next returns the first time after after that spec fires in loc, in UTC,
// or the zero time when spec is invalid or never fires.
func Next(spec string, after time.Time, loc *time.Location) time.Time {
	r, err := ParseRecurrence(spec, loc)
	if err != nil {
		return time.Time{}
	}
	return r.Next(after)
}

// NextN returns the next n times spec fires after after in loc, in UTC; none
// when spec is invalid.
func NextN(spec string, after time.Time, loc *time.Location, n int) []time.Time {
	r, err := ParseRecurrence(spec, loc)
	if err != nil {
		return nil
	}
	return r.NextN(after, n)
}
