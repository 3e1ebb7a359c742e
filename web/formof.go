package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// formOf is the compose form filled with a stored notice, for editing: a
// recurrence the form's presets can say comes back as that preset, any
// other as the raw cron spec.
func formOf(n *notices.Notice, loc *time.Location) composeForm {
	f := defaultComposeForm()
	f.Title, f.Body, f.Category, f.Priority, f.Kind = n.Title, n.Body, notices.CategoryInput(n.Category), string(n.Priority), string(n.Kind)
	if n.RefersTo != 0 {
		f.RefersTo = strconv.FormatInt(n.RefersTo, 10)
	}
	if len(n.Targets) > 0 {
		f.TargetMode, f.Targets = "list", n.Targets
	}
	if !n.ExpiresAt.IsZero() {
		f.Expires = n.ExpiresAt.In(loc).Format("2006-01-02T15:04")
	}
	switch {
	case n.Recurrence != "":
		f.When = "repeat"
		f.Repeat, f.Cron = "cron", n.Recurrence
		if p, ok := presetOf(n.Recurrence); ok {
			f.Repeat, f.RepeatTime, f.RepeatDays, f.RepeatDay = p.Repeat, p.RepeatTime, p.RepeatDays, p.RepeatDay
			f.Cron = ""
		}
	case !n.PublishAt.IsZero():
		f.When, f.At = "at", n.PublishAt.In(loc).Format("2006-01-02T15:04")
	}
	return f
}

// presetOf reads a cron spec written by composeForm.recurrence back into
// the form's presets.
func presetOf(spec string) (composeForm, bool) {
	var f composeForm
	p := strings.Fields(spec)
	if len(p) != 5 || p[3] != "*" {
		return f, false
	}
	mm, err1 := strconv.Atoi(p[0])
	hh, err2 := strconv.Atoi(p[1])
	if err1 != nil || err2 != nil || mm < 0 || mm > 59 || hh < 0 || hh > 23 {
		return f, false
	}
	f.RepeatTime, f.RepeatDays, f.RepeatDay = fmt.Sprintf("%02d:%02d", hh, mm), []string{"1"}, "1"
	switch {
	case p[2] == "*" && p[4] == "*":
		f.Repeat = "daily"
	case p[2] == "*":
		f.Repeat, f.RepeatDays = "weekly", nil
		for _, d := range strings.Split(p[4], ",") {
			n, err := strconv.Atoi(d)
			if err != nil || n < 0 || n > 6 {
				return f, false
			}
			f.RepeatDays = append(f.RepeatDays, d)
		}
	case p[4] == "*":
		d, err := strconv.Atoi(p[2])
		if err != nil || d < 1 || d > 28 {
			return f, false
		}
		f.Repeat, f.RepeatDay = "monthly", p[2]
	default:
		return f, false
	}
	return f, true
}
