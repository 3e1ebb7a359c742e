package schedule

import (
	"testing"
	"time"
)

func TestQuietHoursLastEnd(t *testing.T) {
	vn, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	q0, _ := ParseQuietHours("21:00-06:00")
	q := q0.In(vn)
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, vn) }
	for _, tc := range []struct{ now, want time.Time }{
		{at(2, 8, 0), at(2, 6, 0)},  // this morning
		{at(2, 6, 0), at(2, 6, 0)},  // right at the end
		{at(2, 5, 59), at(1, 6, 0)}, // still inside: yesterday's
		{at(2, 23, 0), at(2, 6, 0)},
	} {
		if got := q.LastEnd(tc.now); !got.Equal(tc.want) {
			t.Errorf("LastEnd(%v) = %v; want %v", tc.now, got.In(vn), tc.want)
		}
	}
	if got := (QuietHours{}).In(vn).LastEnd(at(2, 8, 0)); !got.IsZero() {
		t.Errorf("LastEnd without quiet hours = %v; want zero", got)
	}
}
