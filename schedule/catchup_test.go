package schedule_test

import (
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// A notice every minute approved with a start long past (a CLI `--at 2000-01-01`,
// or another program's publish_at) must not stall the poll loop nor hold up an
// urgent notice (the outside probe saw minutes of CPU and nothing sent), and
// residents get one copy, the newest, not one per missed minute (it saw 61).
func TestRecurringNoticeFromLongAgoSendsOnceAndStallsNothing(t *testing.T) {
	for _, start := range []string{"2000-01-01 00:00", "2026-11-27 08:00"} {
		t.Run(start, func(t *testing.T) {
			r := newRig(t, "2026-11-27 09:00")
			r.notice(notices.Notice{Title: "Mỗi phút", Recurrence: "* * * * *", PublishAt: at(t, start),
				Targets: []string{"khom-1"}})
			r.notice(notices.Notice{Title: "Khẩn sau đó", Priority: notices.Urgent})
			began := time.Now()
			r.step()
			if took := time.Since(began); took > 10*time.Second {
				t.Errorf("one poll cycle took %s", took)
			}
			if got := len(r.received("Khẩn sau đó")); got != len(r.groups) {
				t.Errorf("the urgent notice reached %d groups in the same cycle; want %d", got, len(r.groups))
			}
			if got := r.received("Mỗi phút")[r.groups[0].ID]; got != 1 {
				t.Errorf("the every-minute notice arrived %d times; want once, the newest occurrence", got)
			}
		})
	}
}
