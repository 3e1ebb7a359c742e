package notices_test

import (
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestNextInCommuneZone runs with the process zone set to UTC, as in a
// container: schedules still follow the commune's clock.
func TestNextInCommuneZone(t *testing.T) {
	saved := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = saved })

	after := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) // 19:00 in the commune
	tests := []struct {
		spec string
		want []time.Time
	}{
		// 07:00 Asia/Ho_Chi_Minh is 00:00 UTC.
		{"0 7 * * *", []time.Time{utc(2026, 11, 27, 0, 0), utc(2026, 11, 28, 0, 0)}},
		{"@daily", []time.Time{utc(2026, 11, 26, 17, 0), utc(2026, 11, 27, 17, 0)}},
		{"@midnight", []time.Time{utc(2026, 11, 26, 17, 0), utc(2026, 11, 27, 17, 0)}},
		// Mondays at 07:30: 2026-11-30 is a Monday.
		{"30 7 * * 1", []time.Time{utc(2026, 11, 30, 0, 30), utc(2026, 12, 7, 0, 30)}},
		{"@weekly", []time.Time{utc(2026, 11, 28, 17, 0), utc(2026, 12, 5, 17, 0)}},
		{"@monthly", []time.Time{utc(2026, 11, 30, 17, 0), utc(2026, 12, 31, 17, 0)}},
		{"  0   19  *  * * ", []time.Time{utc(2026, 11, 27, 12, 0), utc(2026, 11, 28, 12, 0)}},
	}
	for _, tt := range tests {
		got := notices.NextN(tt.spec, after, hcm, 2)
		if len(got) != 2 || !got[0].Equal(tt.want[0]) || !got[1].Equal(tt.want[1]) {
			t.Errorf("NextN(%q, %v) = %v; want %v", tt.spec, after, got, tt.want)
		}
		if n := notices.Next(tt.spec, after, hcm); !n.Equal(tt.want[0]) || n.Location() != time.UTC {
			t.Errorf("Next(%q) = %v; want %v in UTC", tt.spec, n, tt.want[0])
		}
	}
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestParseRecurrenceRefusals(t *testing.T) {
	for _, spec := range []string{"", "every day", "61 * * * *", "* * * *", "0 7 * * * *", "@every 1h", "CRON_TZ=UTC 0 7 * * *", "0 0 30 2 *", "@sometimes"} {
		if _, err := notices.ParseRecurrence(spec, hcm); err == nil {
			t.Errorf("ParseRecurrence(%q) = nil error; want a refusal", spec)
		} else if !strings.HasPrefix(err.Error(), "Lịch lặp") {
			t.Errorf("ParseRecurrence(%q) error = %q; want a Vietnamese sentence", spec, err)
		}
		if n := notices.Next(spec, fixedNow, hcm); !n.IsZero() {
			t.Errorf("Next(%q) = %v; want zero", spec, n)
		}
	}
}

func TestParseTime(t *testing.T) {
	saved := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = saved })
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-11-27 08:00", utc(2026, 11, 27, 1, 0)},
		{" 2026-11-27 08:00:30 ", time.Date(2026, 11, 27, 1, 0, 30, 0, time.UTC)},
		{"2026-11-27T08:00", utc(2026, 11, 27, 1, 0)},
		{"2026-11-27T08:00:00+07:00", utc(2026, 11, 27, 1, 0)},
		{"2026-11-27T01:00:00Z", utc(2026, 11, 27, 1, 0)},
		{"2026-11-27T03:00:00+02:00", utc(2026, 11, 27, 1, 0)},
	}
	for _, tt := range tests {
		got, err := notices.ParseTime(tt.in, hcm)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "ngày mai", "27/11/2026 08:00", "2026-11-27", "2026-13-01 08:00", "2026-11-27 25:00"} {
		if _, err := notices.ParseTime(in, hcm); err == nil {
			t.Errorf("ParseTime(%q) = nil error; want a refusal", in)
		}
	}
	if got := notices.FormatLocal(utc(2026, 11, 27, 1, 0), hcm); got != "2026-11-27 08:00" {
		t.Errorf("FormatLocal = %q; want 2026-11-27 08:00", got)
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Khóm 1", "khom-1"},
		{"Ấp Đông Hòa", "ap-dong-hoa"},
		{"Thôn Đồng Xuân – Đội 3", "thon-dong-xuan-doi-3"},
		{"  Ấp   Mỹ  Phước  ", "ap-my-phuoc"},
		{"Kho\u0301m 1", "khom-1"}, // decomposed (NFD) input
		{"THÔN HẠ", "thon-ha"},
		{"Ấp Bình Đức (cũ)", "ap-binh-duc-cu"},
		{"!!!", ""},
		{strings.Repeat("Ấp Rất Dài ", 10), "ap-rat-dai-ap-rat-dai-ap-rat-dai-ap-rat"},
	}
	for _, tt := range tests {
		if got := notices.Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
