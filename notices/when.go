package notices

import (
	"fmt"
	"strings"
	"time"
)

// LocalLayout is how staff type and read times, in the commune zone.
const LocalLayout = "2006-01-02 15:04"

// ParseTime reads a time typed by staff or a script: "2006-01-02 15:04"
// (seconds optional, 'T' accepted for the space) in loc, or RFC 3339 with its
// own offset. The result is in UTC, to the second. The error is a sentence
// in Vietnamese for staff.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Second), nil
	}
	for _, layout := range []string{LocalLayout, "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("Không hiểu thời điểm %q; hãy viết dạng %s (giờ %s) hoặc RFC 3339, ví dụ %s.",
		s, "2026-11-27 08:00", loc, "2026-11-27T08:00:00+07:00")
}

// FormatLocal shows t in loc as staff read it, "2006-01-02 15:04"; the zero
// time shows as "".
func FormatLocal(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(LocalLayout)
}
