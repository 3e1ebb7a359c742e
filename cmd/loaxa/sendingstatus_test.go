package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// TestNoticeShowSending is probe 6's F12 for the CLI: a notice whose
// delivery is still queued (its commune not connected, say) reads «đang
// gửi» in notice show and notice list, not «đã duyệt».
func TestNoticeShowSending(t *testing.T) {
	c := newCLI(t)
	c.setup()
	c.ok("notice", "add", "--title", "Họp dân", "--body", "Tối nay.", "--hamlets", "khom-1", "--approve")
	if show := c.ok("notice", "show", "1"); !strings.Contains(show, "Trạng thái:      đã duyệt\n") {
		t.Errorf("notice show before anything is made:\n%s", show)
	}
	ctx := context.Background()
	s, err := notices.Open(ctx, c.db, notices.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	h, err := s.HamletByCode(ctx, "khom-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: 1, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: []notices.Target{{HamletID: h.ID, GroupID: h.GroupID}}, LastDueAt: now}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if show := c.ok("notice", "show", "1"); !strings.Contains(show, "Trạng thái:      đang gửi\n") {
		t.Errorf("notice show of a notice with its delivery queued does not say «đang gửi»:\n%s", show)
	}
	if list := c.ok("notice", "list"); !strings.Contains(list, "đang gửi") || strings.Contains(list, "đã duyệt") {
		t.Errorf("notice list of a notice with its delivery queued does not say «đang gửi»:\n%s", list)
	}
}
