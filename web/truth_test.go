package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// A notice with a failed hamlet never reads "đã gửi xong": the list, the
// dashboard and its page count the failed hamlets.
func TestFailedHamletIsNeverShownAsDone(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Họp tổ dân phố", Author: "tacgia", Status: notices.StatusApproved})
	s.send(n.ID, notices.DeliverySent, notices.DeliveryFailed)
	ok := s.notice(notices.Notice{Title: "Tiêm phòng", Author: "tacgia", Status: notices.StatusApproved})
	s.send(ok.ID, notices.DeliverySent, notices.DeliverySent)
	if _, err := s.store.CloseFinished(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.store.Notice(context.Background(), n.ID); got.Status != notices.StatusDone {
		t.Fatalf("notice status = %s; want done (nothing more will be sent by itself)", got.Status)
	}
	b := s.signedIn("bien")
	row := func(body, title string) string {
		i := strings.Index(body, title)
		if i < 0 {
			t.Fatalf("%q not on the page", title)
		}
		j := strings.Index(body[i:], "</tr>")
		if j < 0 {
			j = strings.Index(body[i:], "</li>")
		}
		return body[i : i+j]
	}
	_, body := b.get("/notices")
	if r := row(body, "Họp tổ dân phố"); !strings.Contains(r, "đã gửi, 1 ấp lỗi") || strings.Contains(r, "đã gửi xong") {
		t.Errorf("/notices row of the failed notice = %q; want «đã gửi, 1 ấp lỗi»", r)
	}
	if r := row(body, "Tiêm phòng"); !strings.Contains(r, "đã gửi xong") {
		t.Errorf("/notices row of the fully sent notice = %q; want «đã gửi xong»", r)
	}
	_, body = b.get("/dashboard")
	if strings.Count(body, "đã gửi, 1 ấp lỗi") < 2 { // under "Cần người xử lý" and under "Gửi gần đây"
		t.Errorf("the dashboard does not count the failed hamlet where it lists the notice:\n%s", body)
	}
	if i := strings.Index(body, "Gửi gần đây"); i < 0 {
		t.Errorf("no «Gửi gần đây» on the dashboard")
	} else if r := row(body[i:], "Họp tổ dân phố"); strings.Contains(r, "đã gửi xong") {
		t.Errorf("dashboard shows the failed notice as done: %q", r)
	}
	_, body = b.get("/notices/" + strconv.FormatInt(n.ID, 10))
	if !strings.Contains(body, "đã gửi, 1 ấp lỗi") || strings.Contains(body, "đã gửi xong") || strings.Contains(body, "Đã gửi xong") {
		t.Errorf("the notice page of the failed notice does not say «đã gửi, 1 ấp lỗi» or says done:\n%s", body)
	}
}

// A recurring notice's parts are counted per occurrence: three sends of a
// one-part notice are "1/1" of the latest, three times, not "3/3 phần".
func TestRecurringNoticeCountsPartsPerOccurrence(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Họp giao ban", Author: "tacgia", Status: notices.StatusApproved,
		Recurrence: "0 7 * * *"})
	for i := 0; i < 3; i++ {
		s.send(n.ID, notices.DeliverySent, notices.DeliverySent)
		s.clock.Add(24 * time.Hour)
	}
	b := s.signedIn("bien")
	_, body := b.get("/notices/" + strconv.FormatInt(n.ID, 10))
	if strings.Contains(body, "3/3 phần") || strings.Count(body, "lần gần nhất 1/1 phần, 3 lần") != 2 {
		t.Errorf("the recurring notice's page does not count per occurrence:\n%s", body)
	}
	_, body = b.get("/notices/" + strconv.FormatInt(n.ID, 10) + "/progress.json")
	if !strings.Contains(body, `"parts":"lần gần nhất 1/1 phần, 3 lần"`) {
		t.Errorf("progress.json = %s", body)
	}
}

// A notice past its expiry offers no retry: the store would refuse it
// (notices.StillSendable is the one rule).
func TestExpiredNoticeOffersNoRetry(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Họp trước 10h", Author: "tacgia", Status: notices.StatusApproved,
		ExpiresAt: s.clock.Now().Add(time.Hour)})
	s.materialise(n.ID, s.clock.Now())
	jobs, err := s.store.ClaimJobs(context.Background(), s.clock.Now(), 10, 2)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim = %d jobs, %v", len(jobs), err)
	}
	if err := s.store.Record(context.Background(), []notices.Result{
		{ID: jobs[0].ID, Status: notices.DeliverySent, MessageID: "m1", At: s.clock.Now()},
		{ID: jobs[1].ID, Status: notices.DeliveryFailed, At: s.clock.Now(), Code: -201, Error: "Nội dung bị Zalo từ chối"},
	}); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn("bien")
	retry := `action="/notices/` + strconv.FormatInt(n.ID, 10) + `/retry"`
	if _, body := b.get("/notices/" + strconv.FormatInt(n.ID, 10)); !strings.Contains(body, retry) {
		t.Errorf("before its expiry the failed hamlet has no retry button")
	}
	s.clock.Add(90 * time.Minute)
	b = s.signedIn("bien")
	if _, body := b.get("/notices/" + strconv.FormatInt(n.ID, 10)); strings.Contains(body, retry) {
		t.Errorf("past its expiry the notice still offers a retry")
	}
	if _, body := b.get("/dashboard"); strings.Contains(body, retry) {
		t.Errorf("past its expiry the dashboard still offers a retry")
	}
}
