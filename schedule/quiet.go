package schedule

import "github.com/loaxa/loaxa/notices"

// QuietHours is the daily window during which normal and low deliveries
// wait for the morning. It lives in notices (notices/quiet.go) so that the
// daemon, the site and the CLI read the same rule.
type QuietHours = notices.QuietHours

// ParseQuietHours reads "21:00-06:00", or "off" for none.
func ParseQuietHours(s string) (QuietHours, error) { return notices.ParseQuietHours(s) }
