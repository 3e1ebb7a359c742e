package notices

import (
	"fmt"
	"strconv"
	"strings"
)

// weekdayNames are the days of the week as staff read them, Sunday first
// (cron's 0).
var weekdayNames = [...]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// DescribeRecurrence says a recurrence in plain Vietnamese, as
// "Thứ Hai hằng tuần, 07:00", "Hằng ngày, 06:30 và 17:30" or "Ngày 5 hằng
// tháng, 08:00". It returns "" for a schedule it cannot say simply (steps,
// ranges of hours, both a day of the month and of the week): show the raw
// spec then, as an advanced detail. spec should have passed ParseRecurrence.
func DescribeRecurrence(spec string) string {
	spec = strings.Join(strings.Fields(spec), " ")
	switch spec {
	case "@yearly", "@annually":
		spec = "0 0 1 1 *"
	case "@monthly":
		spec = "0 0 1 * *"
	case "@weekly":
		spec = "0 0 * * 0"
	case "@daily", "@midnight":
		spec = "0 0 * * *"
	case "@hourly":
		spec = "0 * * * *"
	}
	f := strings.Fields(spec)
	if len(f) != 5 {
		return ""
	}
	// Every N minutes, every N hours: "*/5 * * * *", "0 */2 * * *"; only
	// where N divides the hour or the day, so that the gaps are all N.
	if n, ok := strings.CutPrefix(f[0], "*/"); ok && f[1] == "*" && f[2] == "*" && f[3] == "*" && f[4] == "*" {
		if k, err := strconv.Atoi(n); err == nil && k >= 1 && 60%k == 0 {
			return fmt.Sprintf("Mỗi %d phút", k)
		}
	}
	if n, ok := strings.CutPrefix(f[1], "*/"); ok && f[2] == "*" && f[3] == "*" && f[4] == "*" {
		if m, ok := single(f[0], 0, 59); ok {
			if k, err := strconv.Atoi(n); err == nil && k >= 1 && 24%k == 0 {
				return fmt.Sprintf("Mỗi %d giờ, vào phút %02d", k, m)
			}
		}
	}
	minute, ok := single(f[0], 0, 59)
	if !ok {
		return ""
	}
	if f[1] == "*" && f[2] == "*" && f[3] == "*" && f[4] == "*" {
		return fmt.Sprintf("Mỗi giờ, vào phút %02d", minute)
	}
	hours, ok := list(f[1], 0, 23)
	if !ok {
		return ""
	}
	clock := make([]string, len(hours))
	for i, h := range hours {
		clock[i] = fmt.Sprintf("%02d:%02d", h, minute)
	}
	at := joinVN(clock)
	switch {
	case f[2] == "*" && f[3] == "*" && f[4] == "*":
		return "Hằng ngày, " + at
	case f[2] == "*" && f[3] == "*":
		days, ok := weekdays(f[4])
		if !ok {
			return ""
		}
		if len(days) == 5 && days[0] == "Thứ Hai" && days[4] == "Thứ Sáu" {
			return "Từ Thứ Hai đến Thứ Sáu hằng tuần, " + at
		}
		return joinVN(days) + " hằng tuần, " + at
	case f[4] == "*":
		doms, ok := list(f[2], 1, 31)
		if !ok {
			return ""
		}
		ds := make([]string, len(doms))
		for i, d := range doms {
			ds[i] = strconv.Itoa(d)
		}
		if f[3] == "*" {
			return "Ngày " + joinVN(ds) + " hằng tháng, " + at
		}
		month, ok := single(f[3], 1, 12)
		if !ok || len(doms) != 1 {
			return ""
		}
		return fmt.Sprintf("Ngày %d/%d hằng năm, %s", doms[0], month, at)
	}
	return ""
}

// single reads one whole number in [lo, hi].
func single(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= lo && n <= hi
}

// list reads a comma-separated list of whole numbers in [lo, hi].
func list(s string, lo, hi int) ([]int, bool) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, ok := single(p, lo, hi)
		if !ok {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// weekdays reads cron's day-of-week field (numbers 0-7, ranges a-b, or
// lists of them), Monday first, Sunday last.
func weekdays(s string) ([]string, bool) {
	var on [7]bool
	for _, p := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(p, "-")
		lo, ok := single(a, 0, 7)
		if !ok {
			return nil, false
		}
		hi := lo
		if isRange {
			if hi, ok = single(b, 0, 7); !ok || hi < lo {
				return nil, false
			}
		}
		for d := lo; d <= hi; d++ {
			on[d%7] = true
		}
	}
	var out []string
	for _, d := range []int{1, 2, 3, 4, 5, 6, 0} {
		if on[d] {
			out = append(out, weekdayNames[d])
		}
	}
	return out, len(out) > 0
}

// joinVN joins "a", "a và b", "a, b và c".
func joinVN(ss []string) string {
	if len(ss) <= 1 {
		return strings.Join(ss, "")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " và " + ss[len(ss)-1]
}
