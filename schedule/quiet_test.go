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
		if got := q.Contains(in, loc); got != tt.quiet {
			t.Errorf("Contains(%s) = %v; want %v", tt.in, got, tt.quiet)
		}
		if got, want := q.After(in, loc), at(tt.after); !got.Equal(want) {
			t.Errorf("After(%s) = %s; want %s", tt.in, got.In(loc), want)
		}
	}
	// Evaluated in the commune zone, whatever zone the instant carries.
	if !q.Contains(at("2026-11-27 22:00").UTC(), loc) {
		t.Error("Contains(22:00 local given in UTC) = false; want true")
	}
	day, _ := ParseQuietHours("12:00-13:30")
	if !day.Contains(at("2026-11-27 13:29"), loc) || day.Contains(at("2026-11-27 13:30"), loc) {
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
