package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// materialise queues notice id to every hamlet, first attempt at notBefore,
// as the daemon does (the site's rules are the defaults: quiet hours
// 21:00-06:00, bulletins 06:30 and 17:30).
func (s *site) materialise(id int64, notBefore time.Time) {
	s.t.Helper()
	ctx := context.Background()
	hs, err := s.store.Hamlets(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	var ts []notices.Target
	for _, h := range hs {
		ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID})
	}
	now := s.clock.Now()
	if _, err := s.store.Materialise(ctx, notices.OccurrencePlan{NoticeID: id, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: ts, LastDueAt: now, NotBefore: notBefore}); err != nil {
		s.t.Fatal(err)
	}
}

// Waiting rows say until when: past the quiet hours, a retry's time.
func TestWaitingRowsSayUntilWhen(t *testing.T) {
	s := newSite(t)
	s.clock.t = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC) // 22:00 in the commune
	n := s.notice(notices.Notice{Title: "Họp chi bộ", Author: "tacgia", Status: notices.StatusApproved})
	morning := time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC) // 06:00 on the 28th
	s.materialise(n.ID, morning)
	b := s.signedIn("bien")
	page := "/notices/" + strconv.FormatInt(n.ID, 10)
	_, body := b.get(page)
	if strings.Count(body, "chờ hết giờ yên lặng, dự kiến 06:00") != 2 {
		t.Errorf("a notice held by the quiet hours does not say until when:\n%s", body)
	}
	_, body = b.get("/dashboard")
	if !strings.Contains(body, "chờ hết giờ yên lặng, dự kiến 06:00") {
		t.Errorf("the dashboard does not say until when the notice waits:\n%s", body)
	}

	// Morning: sent to one hamlet, the other must be tried again later.
	s.clock.t = morning
	b = s.signedIn("bien") // the evening's session has ended
	jobs, err := s.store.ClaimJobs(context.Background(), morning, 10, 2)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim = %d jobs, %v", len(jobs), err)
	}
	retryAt := morning.Add(12 * time.Minute)
	if err := s.store.Record(context.Background(), []notices.Result{
		{ID: jobs[0].ID, Status: notices.DeliverySent, MessageID: "m1", At: morning},
		{ID: jobs[1].ID, Status: notices.DeliveryRetry, At: retryAt, Code: -32, Error: "Zalo đang quá tải"},
	}); err != nil {
		t.Fatal(err)
	}
	_, body = b.get(page + "/progress.json")
	if !strings.Contains(body, `"label":"thử lại lúc 06:12"`) {
		t.Errorf("progress.json of a retrying hamlet = %s; want «thử lại lúc 06:12»", body)
	}
}

// A low notice waits under "Đã hẹn giờ · bản tin", not under "Đang gửi",
// and its page previews the bulletin it will be part of.
func TestLowNoticeWaitsForItsBulletin(t *testing.T) {
	s := newSite(t) // 08:00 in the commune: the next bulletin is at 17:30
	n := s.notice(notices.Notice{Title: "Thu gom rác thứ Bảy", Body: "Bà con để rác trước cửa.", Author: "tacgia",
		Status: notices.StatusApproved, Priority: notices.Low})
	other := s.notice(notices.Notice{Title: "Lịch tiêm phòng", Body: "Tại trạm y tế.", Author: "tacgia",
		Status: notices.StatusApproved, Priority: notices.Low})
	b := s.signedIn("bien")
	_, body := b.get("/dashboard")
	i, j := strings.Index(body, "Đã hẹn giờ · bản tin"), strings.Index(body, "Đang gửi")
	k := strings.Index(body, n.Title)
	if i < 0 || k < i || strings.Contains(body[j:i], n.Title) {
		t.Errorf("the low notice is not under «Đã hẹn giờ · bản tin» (at %d, section at %d, «Đang gửi» at %d):\n%s", k, i, j, body)
	}
	if !strings.Contains(body[i:], "vào bản tin Thứ Sáu, 27/11/2026 17:30") {
		t.Errorf("the bulletin section does not say when:\n%s", body[i:])
	}
	_, body = b.get("/notices/" + strconv.FormatInt(n.ID, 10))
	for _, want := range []string{"📰 BẢN TIN", n.Title, other.Title, "nằm trong bản tin", "vào bản tin 17:30"} {
		if !strings.Contains(body, want) {
			t.Errorf("the low notice's page lacks %q:\n%s", want, body)
		}
	}
}

// A notice scheduled inside the quiet hours says, on the dashboard, when
// it will really go.
func TestScheduledInQuietHoursSaysWhenItGoes(t *testing.T) {
	s := newSite(t)                                       // 08:00 in the commune
	at := time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC) // 22:30
	s.notice(notices.Notice{Title: "Thông báo tối muộn", Author: "tacgia", Status: notices.StatusApproved, PublishAt: at})
	_, body := s.signedIn("bien").get("/dashboard")
	if !strings.Contains(body, "lần tới: Thứ Sáu, 27/11/2026 22:30, chờ hết giờ yên lặng, dự kiến Thứ Bảy, 28/11/2026 06:00") {
		t.Errorf("the dashboard does not say the late notice waits for the morning:\n%s", body)
	}
}

// The compose preview says what the rules will do with the chosen time: a
// time in the quiet hours waits for the morning; a low notice goes with a
// bulletin.
func TestComposePreviewSaysQuietHoursAndBulletin(t *testing.T) {
	s := newSite(t) // 08:00 in the commune
	b := s.signedIn("bien")
	b.get("/compose")
	when := func(form url.Values) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/compose/preview", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", b.csrf)
		_, body := b.do(req)
		var p struct {
			When string `json:"when"`
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("preview: %v\n%s", err, body)
		}
		return p.When
	}
	late := url.Values{"title": {"Họp"}, "body": {"Tối"}, "priority": {"normal"}, "when": {"at"}, "at": {"2026-11-27 22:30"}}
	if got := when(late); !strings.Contains(got, "giờ yên lặng: chờ đến Thứ Bảy, 28/11/2026 06:00") {
		t.Errorf("preview of a 22:30 notice says %q; want it to wait for 06:00", got)
	}
	late.Set("priority", "urgent")
	if got := when(late); strings.Contains(got, "yên lặng") {
		t.Errorf("preview of an urgent 22:30 notice says %q; urgent ones go at once", got)
	}
	low := url.Values{"title": {"Rác"}, "body": {"Thứ Bảy"}, "priority": {"low"}, "when": {"now"}}
	if got := when(low); !strings.Contains(got, "nằm trong bản tin Thứ Sáu, 27/11/2026 17:30") {
		t.Errorf("preview of a low notice says %q; want the 17:30 bulletin", got)
	}
}

// A low notice that fell due is held for the bulletin: its timeline and its
// hamlets say which one.
func TestHeldLowNoticeSaysWhichBulletin(t *testing.T) {
	s := newSite(t) // 08:00 in the commune
	n := s.notice(notices.Notice{Title: "Lịch thu gom rác", Author: "tacgia", Status: notices.StatusApproved,
		Priority: notices.Low})
	now := s.clock.Now()
	if _, err := s.store.Materialise(context.Background(), notices.OccurrencePlan{NoticeID: n.ID, DueAt: now,
		Status: notices.OccurrenceHeld, Priority: 2, LastDueAt: now}); err != nil {
		t.Fatal(err)
	}
	_, body := s.signedIn("bien").get("/notices/" + strconv.FormatInt(n.ID, 10))
	if !strings.Contains(body, "Đến lượt gửi: vào bản tin Thứ Sáu, 27/11/2026 17:30") ||
		strings.Count(body, "vào bản tin 17:30") != 2 {
		t.Errorf("the held low notice does not say which bulletin carries it:\n%s", body)
	}
}

// A pending low notice's page already previews the bulletin it would go
// with if approved now.
func TestPendingLowNoticePreviewsItsBulletin(t *testing.T) {
	s := newSite(t) // 08:00 in the commune
	n := s.notice(notices.Notice{Title: "Lịch cắt cỏ", Body: "Chiều thứ Bảy.", Author: "tacgia", Priority: notices.Low})
	_, body := s.signedIn("duyet").get("/notices/" + strconv.FormatInt(n.ID, 10))
	if !strings.Contains(body, "📰 BẢN TIN") || !strings.Contains(body, "nằm trong bản tin Thứ Sáu, 27/11/2026 17:30") {
		t.Errorf("the pending low notice's page does not preview its bulletin:\n%s", body)
	}
}
