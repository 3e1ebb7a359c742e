package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// rowIDs are the notice numbers of /notices' table, in order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<td data-label="Số">#(\d+)</td>`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// /notices: a page at a time, filters, and a search that ignores case and
// diacritics.
func TestNoticeListPagesFiltersAndSearch(t *testing.T) {
	s := newSite(t)
	bao := s.notice(notices.Notice{Title: "Cơn BÃO số 9", Author: "tacgia", Category: "thời tiết"})
	dien := s.notice(notices.Notice{Title: "Lịch cắt điện khóm 2", Author: "bien", Category: "điện nước"})
	for i := 0; i < 58; i++ {
		s.notice(notices.Notice{Title: fmt.Sprintf("Thu gom rác đợt %d", i), Author: "bien", Category: "moi-truong"})
	}
	b := s.signedIn("bien")
	for q, want := range map[string]int64{"bao": bao.ID, "BÃO": bao.ID, "bão": bao.ID, "cat dien": dien.ID, "CAT ĐIEN": dien.ID} {
		_, body := b.get("/notices?q=" + url.QueryEscape(q))
		if ids := rowIDs(body); len(ids) != 1 || ids[0] != strconv.FormatInt(want, 10) {
			t.Errorf("search %q lists %v; want [%d]", q, ids, want)
		}
	}
	_, body := b.get("/notices")
	if ids := rowIDs(body); len(ids) != 50 || ids[0] != "60" || !strings.Contains(body, "1–50 trong 60 thông báo") ||
		!strings.Contains(body, "Trang 1/2") {
		t.Fatalf("page 1 lists %d notices (%v); want 50 of 60, newest first", len(ids), ids)
	}
	if !strings.Contains(body, `href="/notices?page=2"`) {
		t.Errorf("page 1 has no link to page 2")
	}
	_, body = b.get("/notices?page=2")
	if ids := rowIDs(body); len(ids) != 10 || ids[9] != "1" || !strings.Contains(body, "51–60 trong 60") {
		t.Errorf("page 2 lists %v; want the 10 oldest", ids)
	}
	// Filters, and the search with them: each page keeps the filter.
	_, body = b.get("/notices?q=rac&author=bien&category=moi-truong")
	if ids := rowIDs(body); len(ids) != 50 || !strings.Contains(body, "trong 58 thông báo") ||
		!strings.Contains(body, "page=2") || !strings.Contains(body, "q=rac") {
		t.Errorf("filtered page lists %d; want 50 of 58 with the filter kept in the next page's link", len(ids))
	}
	if !strings.Contains(body, "Môi trường") || strings.Contains(body, ">moi-truong<") {
		t.Errorf("the category shows as a code, not as a name")
	}
	_, body = b.get("/notices?author=tacgia")
	if ids := rowIDs(body); len(ids) != 1 || ids[0] != strconv.FormatInt(bao.ID, 10) {
		t.Errorf("author filter lists %v", ids)
	}
	_, body = b.get("/notices?from=2026-11-28")
	if ids := rowIDs(body); len(ids) != 0 {
		t.Errorf("notices created before the date range are listed: %v", ids)
	}
	_, body = b.get("/notices?from=2026-11-27&to=2026-11-27&kind=notice")
	if ids := rowIDs(body); len(ids) != 50 {
		t.Errorf("the day's notices: %d; want a full page", len(ids))
	}
	if resp, body := b.get("/notices?from=27/11"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Ngày không hợp lệ") {
		t.Errorf("a bad date = %d; want 422 with the reason", resp.StatusCode)
	}
	if resp, _ := b.get("/notices?kind=fix"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an unknown kind = %d; want 422", resp.StatusCode)
	}
	if resp, body := b.get("/notices?hamlet=khom-9"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Không có thôn/ấp nào mang mã này") {
		t.Errorf("an unknown hamlet = %d; want 422 with the reason", resp.StatusCode)
	}
}

// The approval queue: oldest first, and complete however long it is.
func TestApprovalQueueOldestFirstAndComplete(t *testing.T) {
	s := newSite(t)
	var first int64
	for i := 0; i < 260; i++ { // more than the dashboard's window of the newest notices
		n := s.notice(notices.Notice{Title: fmt.Sprintf("Chờ duyệt %d", i), Author: "bien", Status: notices.StatusPending})
		if i == 0 {
			first = n.ID
		}
	}
	for i := 0; i < 5; i++ {
		s.notice(notices.Notice{Title: "Đã duyệt", Author: "bien", Status: notices.StatusApproved})
	}
	b := s.signedIn("duyet")
	_, body := b.get("/dashboard")
	if !strings.Contains(body, "Chờ duyệt (260)") {
		t.Errorf("the dashboard does not count all 260 pending notices")
	}
	i, j := strings.Index(body, "#1 Chờ duyệt 0"), strings.Index(body, "#2 Chờ duyệt 1")
	if i < 0 || j < i {
		t.Errorf("the dashboard's queue does not start with the oldest")
	}
	if !strings.Contains(body, `href="/notices?status=pending"`) {
		t.Errorf("no link to the whole queue")
	}
	seen := 0
	for page := 1; page <= 6; page++ {
		_, body = b.get("/notices?status=pending&page=" + strconv.Itoa(page))
		ids := rowIDs(body)
		for k, id := range ids {
			if want := strconv.FormatInt(first+int64(seen+k), 10); id != want {
				t.Fatalf("page %d row %d is #%s; want #%s (oldest first)", page, k, id, want)
			}
		}
		seen += len(ids)
	}
	if seen != 260 {
		t.Errorf("the queue's pages list %d notices; want all 260", seen)
	}
}

// readCSV checks a report's headers and BOM and returns its rows.
func readCSV(t *testing.T, b *browser, path string) [][]string {
	t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("GET %s = %d %q %q\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"),
			resp.Header.Get("Content-Disposition"), body)
	}
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("%s has no UTF-8 byte-order mark: Excel would misread Vietnamese", path)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v", path, err)
	}
	return rows
}

// The CSV reports: per-hamlet, by dates, the audit log; BOM, role-checked,
// and no cell a spreadsheet would run as a formula.
func TestCSVExports(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "=HYPERLINK(\"http://x\",\"bấm\")", Author: "bien", Status: notices.StatusApproved})
	s.send(n.ID, notices.DeliverySent, notices.DeliveryFailed)
	b := s.signedIn("bien")
	id := strconv.FormatInt(n.ID, 10)

	rows := readCSV(t, b, "/notices/"+id+"/deliveries.csv")
	if len(rows) != 3 || rows[0][2] != "Thôn/ấp" {
		t.Fatalf("per-hamlet report: %q", rows)
	}
	byHamlet := map[string][]string{rows[1][2]: rows[1], rows[2][2]: rows[2]}
	if r := byHamlet["Khóm 1"]; r == nil || r[3] != "đã gửi" || r[4] != "1/1 phần" {
		t.Errorf("Khóm 1's row: %q", r)
	}
	if r := byHamlet["Khóm 2"]; r == nil || r[3] != "gửi lỗi" || !strings.Contains(r[7], "OA không còn trong nhóm") {
		t.Errorf("Khóm 2's row: %q", r)
	}
	for _, r := range rows[1:] {
		if r[1] != `'=HYPERLINK("http://x","bấm")` {
			t.Errorf("the title cell %q is not neutralised", r[1])
		}
	}

	rows = readCSV(t, b, "/export/deliveries.csv?from=2026-11-27&to=2026-11-27")
	if len(rows) != 3 || rows[1][2] != "#"+id || rows[1][0] != "27/11/2026 08:00" || rows[1][7] != "đã gửi" ||
		rows[2][7] != "gửi lỗi" || rows[2][9] != "-403" {
		t.Errorf("deliveries of the day: %q", rows)
	}
	// For an Excel whose list separator is ';' (Vietnamese settings).
	resp, body := b.get("/export/deliveries.csv?from=2026-11-27&to=2026-11-27&sep=semicolon")
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	r.Comma = ';'
	if semi, err := r.ReadAll(); resp.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(body, "\ufeff") ||
		len(semi) != 3 || semi[2][9] != "-403" || strings.Contains(semi[0][0], ",") {
		t.Errorf("deliveries with sep=semicolon: %d %v %q", resp.StatusCode, err, semi)
	}
	if rows := readCSV(t, b, "/export/deliveries.csv?from=2026-11-28&to=2026-11-30"); len(rows) != 1 {
		t.Errorf("deliveries of later days: %q; want the header only", rows)
	}
	if resp, body := b.get("/export/deliveries.csv?from=2026-11-28"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "cả ngày bắt đầu và ngày kết thúc") {
		t.Errorf("a report without an end date = %d", resp.StatusCode)
	}

	// The audit log is an approver's: an editor may not download it.
	if resp, _ := b.get("/audit.csv"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an editor downloads the audit log: %d", resp.StatusCode)
	}
	if resp, _ := s.browser().get("/notices/" + id + "/deliveries.csv"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a stranger downloads a report: %d", resp.StatusCode)
	}
	if resp, _ := s.browser().get("/export/deliveries.csv?from=2026-11-27&to=2026-11-27"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a stranger downloads the deliveries: %d", resp.StatusCode)
	}
	ctx := context.Background()
	if err := s.store.SaveZaloTokens(ctx, "a", "r", time.Time{}); err != nil {
		t.Fatal(err)
	}
	a := s.signedIn("duyet")
	rows = readCSV(t, a, "/audit.csv")
	text := fmt.Sprint(rows)
	if rows[0][0] != "Lúc" || !strings.Contains(text, "tạo thông báo") || !strings.Contains(text, "trạng thái: đã duyệt") ||
		!strings.Contains(text, "phần mềm (tự động)") || strings.Contains(text, "0001") || strings.Contains(text, "approved") {
		t.Errorf("the audit log is not in plain Vietnamese: %q", rows)
	}
	rows = readCSV(t, a, "/audit.csv?action=user.login")
	for _, r := range rows[1:] {
		if r[2] != "đăng nhập" {
			t.Errorf("the audit export ignores its filter: %q", r)
		}
	}
	_, page := a.get("/audit")
	if strings.Contains(page, "0001") || !strings.Contains(page, "Zalo không cho biết hạn") || !strings.Contains(page, "/audit.csv?page=1") {
		t.Errorf("the audit page shows a zero time, or has no export link")
	}
}

// The calendar: the coming week's sends at the times the daemon's rules
// give, and the bulletin slots with the low notices they carry.
func TestCalendarWeek(t *testing.T) {
	s := newSite(t) // 08:00 on Friday 27/11 in the commune; quiet 21:00-06:00; bulletins 06:30 and 17:30
	late := s.notice(notices.Notice{Title: "Họp tối", Author: "bien", Status: notices.StatusApproved,
		PublishAt: time.Date(2026, 11, 28, 15, 30, 0, 0, time.UTC)}) // 22:30 on the 28th: goes at 06:00 on the 29th
	low := s.notice(notices.Notice{Title: "Tập thể dục", Author: "bien", Status: notices.StatusApproved, Priority: notices.Low,
		PublishAt: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}) // 10:00: in the 17:30 bulletin
	weekly := s.notice(notices.Notice{Title: "Thu gom rác", Author: "bien", Status: notices.StatusApproved,
		Recurrence: "0 7 * * 1", Targets: []string{"khom-2"}})
	s.notice(notices.Notice{Title: "Chưa duyệt", Author: "bien", Status: notices.StatusPending,
		PublishAt: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)})
	b := s.signedIn("bien")
	_, body := b.get("/calendar")
	day := func(date string) string {
		i := strings.Index(body, date)
		if i < 0 {
			t.Fatalf("the calendar has no day %q:\n%s", date, body)
		}
		j := strings.Index(body[i:], "</section>")
		return body[i : i+j]
	}
	fri := day("Thứ Sáu, 27/11/2026")
	if !strings.Contains(fri, "17:30") || !strings.Contains(fri, "#"+strconv.FormatInt(low.ID, 10)+" Tập thể dục") {
		t.Errorf("Friday does not carry the low notice in the 17:30 bulletin:\n%s", fri)
	}
	if strings.Contains(body, "Chưa duyệt") {
		t.Errorf("a pending notice is on the calendar")
	}
	sun := day("Chủ nhật, 29/11/2026")
	if !strings.Contains(sun, "06:00") || !strings.Contains(sun, "Họp tối") || !strings.Contains(sun, "đến hạn 22:30, chờ hết giờ yên lặng") {
		t.Errorf("the notice due in the quiet hours is not on Sunday at 06:00:\n%s", sun)
	}
	if strings.Contains(day("Thứ Bảy, 28/11/2026"), "Họp tối") {
		t.Errorf("the notice due at 22:30 is shown on Saturday, when it will not go")
	}
	mon := day("Thứ Hai, 30/11/2026")
	if !strings.Contains(mon, "07:00") || !strings.Contains(mon, "Thu gom rác") || !strings.Contains(mon, "Khóm 2") ||
		strings.Contains(mon, "khom-2") {
		t.Errorf("the weekly notice is not on Monday at 07:00 for Khóm 2:\n%s", mon)
	}
	if strings.Count(body, "Thu gom rác") != 1 {
		t.Errorf("a weekly notice shows %d times in one week", strings.Count(body, "Thu gom rác"))
	}
	_, _ = late, weekly
	// A paused recurring notice is not on the calendar: its occurrences are
	// skipped while it is paused. The calendar says it is paused.
	if _, err := s.store.PauseNotice(context.Background(), weekly.ID, "bien"); err != nil {
		t.Fatal(err)
	}
	_, paused := b.get("/calendar")
	if i := strings.Index(paused, "data-paused"); i < 0 || !strings.Contains(paused[i:], "Thu gom rác") ||
		strings.Count(paused, "Thu gom rác") != 1 {
		t.Errorf("a paused notice is on the calendar, or not said to be paused:\n%s", paused)
	}
	// Seven days from now, 08:00 on Friday 04/12: its 06:30 bulletin is in, its 17:30 one is not.
	if next := day("Thứ Sáu, 04/12/2026"); !strings.Contains(next, "06:30") || strings.Contains(next, "17:30") ||
		strings.Contains(body, "05/12/2026") {
		t.Errorf("the calendar does not end seven days from now:\n%s", next)
	}
}

// Bulletins every five minutes (the demo's) make one line a day on the
// calendar, not 288.
func TestCalendarDenseBulletins(t *testing.T) {
	s := newSite(t, func(c *web.Config) {
		q, err := notices.ParseQuietHours("off")
		if err != nil {
			t.Fatal(err)
		}
		if c.Rules, err = notices.NewRules(hcm, q, []string{"*/5 * * * *"}, time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	low := s.notice(notices.Notice{Title: "Tập thể dục", Author: "bien", Status: notices.StatusApproved, Priority: notices.Low})
	_, body := s.signedIn("bien").get("/calendar")
	if n := strings.Count(body, "chưa có thông báo nào"); n != 8 { // today, six days, and the morning of the seventh
		t.Errorf("%d lines of empty bulletins; want one a day (8)", n)
	}
	if !strings.Contains(body, "288 giờ bản tin") {
		t.Errorf("a whole day's empty bulletins are not counted as 288")
	}
	if !strings.Contains(body, "08:05</strong> <span class=\"tag\">bản tin</span>\n    1 thông báo: <a href=\"/notices/"+strconv.FormatInt(low.ID, 10)) {
		t.Errorf("the low notice is not in the 08:05 bulletin:\n%s", body)
	}
}
