package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// notice list and show use the site's words: a recurrence in words, a
// category by name, the kind's label; a paused notice has no next time;
// a message waiting to be sent again says until when.
func TestNoticeListAndShowInPlainWords(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_QUIET_HOURS"] = "off"
	c.setup()
	c.ok("notice", "add", "--title", "Thu gom rác", "--body", "Bỏ rác đúng giờ.", "--cron", "*/5 * * * *",
		"--category", "van-hoa", "--approve")
	c.ok("notice", "pause", "1")
	list := c.ok("notice", "list")
	if strings.Contains(list, "*/5") || !strings.Contains(list, "Mỗi 5 phút") {
		t.Errorf("notice list shows the recurrence raw:\n%s", list)
	}
	show := c.ok("notice", "show", "1")
	for _, want := range []string{"Loại:            thông báo", "Chuyên mục:      Văn hóa", "Ưu tiên:         thường",
		"Lặp lại:         Mỗi 5 phút\n", "chi tiết kỹ thuật: lịch cron */5 * * * *", "Lần tới:         đang tạm dừng"} {
		if !strings.Contains(show, want) {
			t.Errorf("notice show lacks %q:\n%s", want, show)
		}
	}
	for _, bad := range []string{"Loại:            notice", "van-hoa", "Lần tới:         lúc", "Lần tới:         ngay"} {
		if strings.Contains(show, bad) {
			t.Errorf("notice show has %q:\n%s", bad, show)
		}
	}

	// A one-off whose message failed and waits to be sent again.
	c.ok("notice", "add", "--title", "Họp dân", "--body", "Tối nay.", "--hamlets", "khom-1", "--approve")
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
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: 2, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: []notices.Target{{HamletID: h.ID, GroupID: h.GroupID}}, LastDueAt: now}); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimJobs(ctx, now.Add(time.Minute), 10, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v %v", jobs, err)
	}
	at := now.Add(10 * time.Minute)
	if err := s.Record(ctx, []notices.Result{{ID: jobs[0].ID, Status: notices.DeliveryRetry, At: at, Code: -32,
		Error: "Zalo đang quá tải"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	want := "chờ gửi lại lúc " + at.In(hcmZone(t)).Format(notices.DisplayLayout)
	if show := c.ok("notice", "show", "2"); !strings.Contains(show, "Trạng thái:      "+want) {
		t.Errorf("notice show of a notice waiting to retry lacks %q:\n%s", want, show)
	}
	if list := c.ok("notice", "list"); !strings.Contains(list, want[:len("chờ gửi lại lúc")]) {
		t.Errorf("notice list of a notice waiting to retry:\n%s", list)
	}
}

func hcmZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
