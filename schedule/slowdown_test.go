package schedule

import (
	"testing"
	"time"
)

// Eight sends in flight answered -32 together count as one strike: the
// pause stays one second instead of growing to the minute.
func TestSlowDownCountsOneStrikeForAnswersInFlight(t *testing.T) {
	d := &dispatcher{dispatchDeps: dispatchDeps{Flight: newInflight(0, 0)}}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var until time.Time
	for i := range 8 {
		until = d.slowDown(now.Add(time.Duration(i) * time.Millisecond))
	}
	if want := now.Add(time.Second); !until.Equal(want) || d.rlStreak != 1 {
		t.Errorf("after 8 answers of -32 at once: paused until %v, streak %d; want %v and 1", until, d.rlStreak, want)
	}
	if again := d.slowDown(until.Add(time.Millisecond)); !again.Equal(until.Add(time.Millisecond + 2*time.Second)) {
		t.Errorf("a -32 after the pause: paused until %v; want 2s more", again)
	}
}
