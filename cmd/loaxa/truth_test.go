package main

import (
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// The CLI says when a notice really goes out, by the daemon's rules: past
// the quiet hours, or with the next bulletin.
func TestCLISaysWhenQuietHoursAndBulletinsHoldANotice(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	if now.Second() > 55 {
		time.Sleep(5 * time.Second) // keep the window's minutes stable
		now = time.Now().In(loc)
	}
	from, to := now.Add(-time.Hour), now.Add(time.Hour)
	c := newCLI(t)
	c.setup()
	c.env["LOAXA_QUIET_HOURS"] = from.Format("15:04") + "-" + to.Format("15:04")
	c.env["LOAXA_BULLETIN"] = "30 6 * * *"

	end := time.Date(to.Year(), to.Month(), to.Day(), to.Hour(), to.Minute(), 0, 0, loc)
	out := c.ok("notice", "add", "--title", "Họp thôn", "--body", "Tối nay 19h", "--approve")
	if want := "chờ hết giờ yên lặng, dự kiến " + end.Format(notices.LocalLayout); !strings.Contains(out, want) {
		t.Errorf("notice add in quiet hours = %q; want it to say %q", out, want)
	}
	if strings.Contains(out, "ngay") && !strings.Contains(out, "yên lặng") {
		t.Errorf("notice add in quiet hours says it goes at once: %q", out)
	}
	out = c.ok("notice", "add", "--title", "Khẩn", "--body", "Bão", "--priority", "urgent", "--approve")
	if !strings.HasSuffix(out, "sẽ gửi ngay.\n") {
		t.Errorf("urgent notice in quiet hours = %q; want it sent at once", out)
	}

	// A low notice goes with the first 06:30 bulletin after now (and after
	// the quiet hours, which end before it here unless they straddle it).
	c.env["LOAXA_QUIET_HOURS"] = "off"
	slot := time.Date(now.Year(), now.Month(), now.Day(), 6, 30, 0, 0, loc)
	if !slot.After(now) {
		slot = slot.AddDate(0, 0, 1)
	}
	out = c.ok("notice", "add", "--title", "Thu gom rác", "--body", "Thứ Bảy", "--priority", "low", "--approve")
	if want := "vào bản tin " + slot.Format(notices.LocalLayout); !strings.Contains(out, want) {
		t.Errorf("low notice = %q; want %q", out, want)
	}
	// show says it per hamlet too, as the site does.
	if out := c.ok("notice", "show", "3"); strings.Count(out, "vào bản tin 06:30") != 2 {
		t.Errorf("notice show of the low notice does not say, per hamlet, which bulletin carries it:\n%s", out)
	}
}

// notice list stops at its limit and says so.
func TestNoticeListSaysWhenItStopsAtItsLimit(t *testing.T) {
	c := newCLI(t)
	c.setup()
	for _, title := range []string{"Một", "Hai", "Ba"} {
		c.ok("notice", "add", "--title", title, "--body", "Nội dung")
	}
	out := c.ok("notice", "list", "--limit", "2")
	if strings.Contains(out, "Một") || !strings.Contains(out, "Ba") ||
		!strings.Contains(out, "Chỉ hiện 2 thông báo mới nhất trong 3; xem hết bằng --limit 3.") {
		t.Errorf("notice list --limit 2 of 3 =\n%s\nwant the 2 newest and a line saying there are more", out)
	}
	if out := c.ok("notice", "list", "--limit", "3"); strings.Contains(out, "Chỉ hiện") {
		t.Errorf("notice list --limit 3 of 3 says there are more:\n%s", out)
	}
}
