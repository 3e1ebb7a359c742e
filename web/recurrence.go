package web

import "github.com/loaxa/loaxa/notices"

// recurrenceText says a recurrence as staff read it ("Thứ Hai hằng tuần,
// 07:00"); a schedule too intricate to say simply is "theo lịch riêng", and
// its raw spec is shown only as an advanced detail.
func recurrenceText(spec string) string {
	if d := notices.DescribeRecurrence(spec); d != "" {
		return d
	}
	return "theo lịch riêng (xem chi tiết kỹ thuật)"
}
