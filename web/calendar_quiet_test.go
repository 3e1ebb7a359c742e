package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// The calendar counts an hourly notice's night runs as the daemon sends
// them: one at 06:00 (notices.Rules.Superseded), not ten stacked there.
func TestCalendarCountsSupersededRunsOnce(t *testing.T) {
	s := newSite(t, func(c *web.Config) {
		q, err := notices.ParseQuietHours("21:00-06:00")
		if err != nil {
			t.Fatal(err)
		}
		if c.Rules, err = notices.NewRules(hcm, q, nil, time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	s.notice(notices.Notice{Title: "Loa mỗi giờ", Author: "bien", Status: notices.StatusApproved, Recurrence: "0 * * * *"})
	_, body := s.signedIn("bien").get("/calendar")
	// A whole day: 06:00 once, then 07:00 … 20:00.
	if n := strings.Count(body, "15 lần"); n < 6 || strings.Contains(body, "24 lần") {
		t.Errorf("%d days of 15 sends (want 6 or more), stacked runs counted: %v", n, strings.Contains(body, "24 lần"))
	}
}
