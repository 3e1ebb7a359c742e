package schedule

import (
	"testing"
	"time"
)

func TestQuietHours(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuietHours("21:00-06:00")
	if err != nil {
		t.Fatal(err)
	}
	q = q.In(loc)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		in    string
		quiet bool
		after string
	}{
		{"2026-11-27 20:59", false, "2026-11-27 20:59"},
		{"2026-11-27 21:00", true, "2026-11-28 06:00"},
		{"2026-11-27 23:30", true, "2026-11-28 06:00"},
		{"2026-11-28 00:10", true, "2026-11-28 06:00"},
		{"2026-11-28 05:59", true, "2026-11-28 06:00"},
		{"2026-11-28 06:00", false, "2026-11-28 06:00"},
	}
	for _, tt := range tests {
		in := at(tt.in)
		if got := q.Contains(in); got != tt.quiet {
			t.Errorf("Contains(%s) = %v; want %v", tt.in, got, tt.quiet)
		}
		if got, want := q.After(in), at(tt.after); !got.Equal(want) {
			t.Errorf("After(%s) = %s; want %s", tt.in, got.In(loc), want)
		}
	}
	// Evaluated in the commune zone, whatever zone the instant carries.
	if !q.Contains(at("2026-11-27 22:00").UTC()) {
		t.Error("Contains(22:00 local given in UTC) = false; want true")
	}
	day, _ := ParseQuietHours("12:00-13:30")
	day = day.In(loc)
	if !day.Contains(at("2026-11-27 13:29")) || day.Contains(at("2026-11-27 13:30")) {
		t.Error("a window that does not wrap midnight is wrong at its edges")
	}
}

func TestParseQuietHoursRefuses(t *testing.T) {
	for _, s := range []string{"21-06", "25:00-06:00", "21:00-21:00", "21:00/06:00", "nine-six"} {
		if _, err := ParseQuietHours(s); err == nil {
			t.Errorf("ParseQuietHours(%q) = nil error; want one", s)
		}
	}
	off, err := ParseQuietHours("off")
	if err != nil || off.On {
		t.Errorf("ParseQuietHours(off) = %+v, %v; want off", off, err)
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	b := Backoff{Base: time.Second, Max: time.Minute}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 10: time.Minute} {
		for range 50 {
			got := b.Delay(attempt)
			if got < want*3/4 || got > want*5/4 {
				t.Fatalf("Delay(%d) = %v; want within 25%% of %v", attempt, got, want)
			}
		}
	}
}

// The window carries its zone: the same instant is quiet in one commune
// and not in another, and the claim's rank follows.
func TestQuietHoursCarryTheirZone(t *testing.T) {
	vn, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	q, _ := ParseQuietHours("21:00-06:00")
	at := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC) // 22:00 in Vietnam, 15:00 UTC
	if !q.In(vn).Contains(at) || q.In(time.UTC).Contains(at) {
		t.Errorf("15:00 UTC: quiet in Vietnam %v, in UTC %v; want true, false", q.In(vn).Contains(at), q.In(time.UTC).Contains(at))
	}
	if got := q.In(vn).MaxRank(at); got != 0 {
		t.Errorf("MaxRank inside the window = %d; want urgent only (0)", got)
	}
	if got := q.In(time.UTC).MaxRank(at); got != 2 {
		t.Errorf("MaxRank outside the window = %d; want every rank (2)", got)
	}
}
