package notices

import "time"

// DisplayLayout is how the site and every text it shows from here (the
// reasons an occurrence was skipped, when a message waits until) write a
// moment, in the commune zone: 27/11/2026 08:00. DisplayShort is the same
// within the year, for a coming moment: 27/11 08:00. (LocalLayout is what
// staff type in the CLI.)
const (
	DisplayLayout = "02/01/2006 15:04"
	DisplayShort  = "02/01 15:04"
)

// FormatDisplay shows t in loc as DisplayLayout, for the messages staff
// read (a refused form's reasons); the zero time shows as "".
func FormatDisplay(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(DisplayLayout)
}
