package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// The marks a public notice carries once a correction or a withdrawal of
// it went out, on its page and in the feed, so that no resident reads a
// withdrawn notice as current. A follow-up links back to its original.

// feedMarks returns what the feed adds to p's entry: a title prefix, the
// lines put before its content, and when the entry last changed (the
// newest follow-up that went out, or sent).
func feedMarks(p notices.PublicNotice, base string, sent time.Time) (title, content string, updated time.Time) {
	updated = sent
	link := func(id int64) string { return base + "/public/notices/" + strconv.FormatInt(id, 10) }
	var lines []string
	for _, f := range p.FollowUps {
		if f.SentAt.After(updated) {
			updated = f.SentAt
		}
	}
	switch {
	case p.Withdrawn():
		title = "[ĐÃ BỊ HỦY] "
		lines = append(lines, "Thông báo này đã bị hủy.")
	case p.Corrected():
		title = "[ĐÃ ĐƯỢC ĐÍNH CHÍNH] "
		lines = append(lines, "Thông báo này đã được đính chính.")
	}
	for _, f := range p.FollowUps {
		what := "Đính chính"
		if f.Kind == notices.KindCancel {
			what = "Thông báo hủy"
		}
		lines = append(lines, what+": «"+f.Title+"» "+link(f.ID))
	}
	if o := p.Original; o != nil {
		what := "Đính chính cho thông báo"
		if p.Kind == notices.KindCancel {
			what = "Hủy thông báo"
		}
		lines = append(lines, what+" «"+o.Title+"» "+link(o.ID))
	}
	if len(lines) > 0 {
		content = strings.Join(lines, "\n") + "\n\n"
	}
	return title, content, updated
}
