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

// A notice that fell due in quiet hours and is already queued, held until
// they end, is on the calendar at the time it will go: the rules alone see
// only runs still to fall due.
func TestCalendarShowsQueuedRunsHeldForQuietHours(t *testing.T) {
	s := newSite(t, func(c *web.Config) {
		q, err := notices.ParseQuietHours("21:00-06:00")
		if err != nil {
			t.Fatal(err)
		}
		if c.Rules, err = notices.NewRules(hcm, q, nil, time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	s.clock.Add(14 * time.Hour) // 22:00 in the commune
	n := s.notice(notices.Notice{Title: "Lịch cắt nước", Author: "bien", Status: notices.StatusApproved})
	hs, err := s.store.Hamlets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	now := s.clock.Now()
	morning := time.Date(2026, 11, 28, 6, 0, 0, 0, hcm)
	if _, err := s.store.Materialise(t.Context(), notices.OccurrencePlan{NoticeID: n.ID, DueAt: now, LastDueAt: now,
		Status: notices.OccurrenceQueued, Parts: []string{"x"}, Priority: 1, NotBefore: morning,
		Targets: []notices.Target{{HamletID: hs[0].ID, GroupID: hs[0].GroupID}}}); err != nil {
		t.Fatal(err)
	}
	_, body := s.signedIn("bien").get("/calendar")
	i := strings.Index(body, "28/11/2026")
	if i < 0 {
		t.Fatalf("the calendar has no 28/11/2026")
	}
	day := body[i:]
	if j := strings.Index(day, "<h2>"); j >= 0 {
		day = day[:j] // up to the next day
	}
	if !strings.Contains(day, "Lịch cắt nước") || !strings.Contains(day, "06:00") ||
		!strings.Contains(day, "đã xếp hàng, chờ hết giờ yên lặng") {
		t.Errorf("the queued run held until 06:00 is not on 28/11:\n%s", day)
	}
}
