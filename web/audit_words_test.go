package web_test

import (
	"context"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// auditActionRe finds the actions the store writes: the string literal in
// each tx.audit / tx.auditIn call of package notices.
var auditActionRe = regexp.MustCompile(`\.audit(?:In)?\(ctx,[^\n]*?"([a-z]+\.[a-z_]*)"`)

// englishRe is what no audit line staff read may contain: the store's
// status codes, English words and field names it once wrote.
var englishRe = regexp.MustCompile(`(?i)\b(on|off|pending|approved|draft|rejected|done|expired|cancelled|expires|message_id|oa_id|rate|notice|hamlet|user|template|commune|sent|failed|error|the|to|of)\b`)

// Every action the code can write reads in Vietnamese on /audit and in
// /audit.csv: names, not codes; no status code, English word or bare
// number. The test writes each action through the store or the site, and
// fails when package notices gains an action it does not write.
func TestAuditLogReadsInVietnamese(t *testing.T) {
	s, sim := newSimSite(t)
	ctx := context.Background()
	groups := sim.Groups()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Sign-ins: a failure, a success, a sign-out.
	wrong := s.browser()
	wrong.get("/login")
	wrong.post("/login", url.Values{"username": {"quantri"}, "password": {"sai mật khẩu"}})
	out := s.signedIn("bien")
	out.post("/logout", nil)
	b := s.signedIn("quantri")

	// Accounts, hamlets, templates, the Zalo connection.
	u := notices.User{Username: "khoa", Role: notices.RoleApprover}
	must(s.store.CreateUser(ctx, "quantri", &u, password))
	must(s.store.SetPassword(ctx, "quantri", "khoa", password+" mới"))
	must(s.store.SetUserActive(ctx, "quantri", "khoa", false))
	must(s.store.SetUserActive(ctx, "quantri", "khoa", true))
	h, err := s.store.HamletByCode(ctx, "khom-2")
	must(err)
	h.Name = "Khóm Hai"
	must(s.store.UpdateHamlet(ctx, "quantri", h))
	must(s.store.SetHamletActive(ctx, "quantri", "khom-2", false))
	must(s.store.SetHamletActive(ctx, "quantri", "khom-2", true))
	must(s.store.SetStaffTest(ctx, "khom-3", true, "quantri"))
	must(s.store.SetStaffTest(ctx, "nhom-mat", true, "quantri"))
	must(s.store.SetStaffTest(ctx, "nhom-mat", false, "quantri"))
	tpl := notices.Template{Name: "Mẫu họp tổ", Title: "Lịch cắt điện", Body: "Điện lực báo cắt điện.", Priority: notices.Normal}
	must(s.store.SaveTemplate(ctx, &tpl, "quantri"))
	tpl.Body = "Điện lực báo lịch cắt điện."
	must(s.store.SaveTemplate(ctx, &tpl, "quantri"))
	must(s.store.DeleteTemplate(ctx, tpl.ID, "quantri"))
	must(s.store.SaveOAuthState(ctx, "quantri", "phien", "trang-thai", "bi-mat", "https://x.example/zalo/callback"))
	must(s.store.AppendAudit(ctx, notices.AuditEntry{Actor: "quantri", Action: "zalo.connect", Detail: "OA số 12345"}))
	// Notices: edited, submitted, test-sent, rejected; approved, failed and
	// retried; recurring, paused and resumed; cancelled; refused and set
	// aside by the daemon.
	n := s.notice(notices.Notice{Title: "Tiêm chủng", Author: "bien", Status: notices.StatusDraft, Priority: notices.Normal})
	n.Title = "Tiêm chủng tháng 12"
	must(s.store.UpdateNotice(ctx, n, "bien", true))
	must(s.store.SubmitNotice(ctx, n.ID, "bien"))
	out = s.signedIn("bien")
	out.post("/notices/"+id(n)+"/test", url.Values{"hamlet": {"khom-3"}})
	s.clock.Add(2 * time.Minute)
	must(s.store.SetStaffTest(ctx, "nhom-mat", true, "quantri"))
	out.post("/notices/"+id(n)+"/test", url.Values{"hamlet": {"nhom-mat"}})
	must(s.store.RejectNotice(ctx, n.ID, "quantri", "Sai ngày tiêm"))
	sent := s.notice(notices.Notice{Title: "Họp dân", Author: "bien", Status: notices.StatusApproved})
	s.send(sent.ID, notices.DeliveryFailed, notices.DeliveryFailed)
	if k, err := s.store.RetryNotice(ctx, sent.ID, "quantri"); err != nil || k == 0 {
		t.Fatalf("retry: %d %v", k, err)
	}
	rec := s.notice(notices.Notice{Title: "Thu gom rác", Author: "bien", Status: notices.StatusPending, Recurrence: "0 7 * * 1"})
	must(s.store.ApproveNotice(ctx, rec.ID, "quantri", false))
	_, err = s.store.PauseNotice(ctx, rec.ID, "quantri")
	must(err)
	must(s.store.ResumeNotice(ctx, rec.ID, "quantri"))
	_, err = s.store.CancelNotice(ctx, rec.ID, "quantri", "Đổi lịch thu gom")
	must(err)
	bad := s.notice(notices.Notice{Title: "Lịch hỏng", Author: "bien", Status: notices.StatusApproved})
	must(s.store.CloseNotice(ctx, bad.ID, notices.StatusRejected, "lịch lặp không hợp lệ"))
	broken := s.notice(notices.Notice{Title: "Thông báo hỏng", Author: "bien", Status: notices.StatusApproved})
	_, err = s.store.SetAside(ctx, broken.ID, "nội dung không đọc được")
	must(err)

	// Tokens Zalo gave no expiry for (after the test sends, which need the real ones).
	must(s.store.SaveZaloTokens(ctx, "a2", "r2", time.Time{}))
	// A refresh token given by hand (F5): sent, its pair stored; another
	// sent and refused.
	cs, err := s.store.Communes(ctx)
	must(err)
	hand := s.store.CommuneTokens(cs[0].ID)
	_, _, _, _, err = hand.BeginHandRefresh(ctx, "rt-tay")
	must(err)
	must(hand.HoldHandPair(ctx, "a3", "r3", time.Now().Add(time.Hour)))
	must(hand.CommitHandPair(ctx, "12345"))
	_, _, _, _, err = hand.BeginHandRefresh(ctx, "rt-tay-2")
	must(err)
	must(hand.DropHandRefresh(ctx, "Zalo không nhận nó"))
	// Communes last: a second one makes the database the province's.
	c := notices.Commune{Code: "xa-an-phu", Name: "UBND xã An Phú"}
	must(s.store.CreateCommune(ctx, "quantri", &c))
	c.RatePerMin = 60
	must(s.store.UpdateCommune(ctx, "quantri", &c))
	must(s.store.RenameCommune(ctx, "quantri", "xa-an-phu", "xa-an-phu-2"))
	must(s.store.SetCommuneActive(ctx, "quantri", "xa-an-phu-2", false))
	must(s.store.SetCommuneActive(ctx, "quantri", "xa-an-phu-2", true))

	// With two communes the log is scoped: quantri, commune 1's admin,
	// sees its commune's entries only. A province admin reads them all.
	pu := notices.User{Username: "tinh", Role: notices.RoleAdmin, Commune: notices.Province}
	must(s.store.CreateUser(ctx, "quantri", &pu, password))
	b = s.signedIn("tinh")

	// Every action of package notices was written above.
	es, err := s.store.Audit(ctx, notices.AuditFilter{Limit: 1000})
	must(err)
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Action] = true
	}
	files, _ := filepath.Glob("../notices/*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		must(err)
		for _, m := range auditActionRe.FindAllStringSubmatch(string(src), -1) {
			if a := m[1]; !strings.HasSuffix(a, ".") && !seen[a] {
				t.Errorf("%s writes the audit action %q, which this test does not: add it here", f, a)
			}
		}
	}
	for _, a := range []string{"notice.submit", "hamlet.enable", "hamlet.disable", "user.enable", "user.disable",
		"template.add", "template.edit", "commune.enable", "commune.disable", "notice.rejected", "notice.test_result",
		"user.login", "user.login_failed", "user.logout"} {
		if !seen[a] {
			t.Errorf("the test wrote no %q", a)
		}
	}

	// What staff read: each line's action and detail.
	codes := []string{"khom-1", "khom-2", "khom-3", "nhom-mat"}
	check := func(where, action, detail string) {
		t.Helper()
		line := action + " | " + detail
		if m := englishRe.FindString(line); m != "" {
			t.Errorf("%s: %q has the English or code word %q", where, line, m)
		}
		for _, c := range codes {
			if strings.Contains(line, c) {
				t.Errorf("%s: %q names a hamlet by its code %s", where, line, c)
			}
		}
		if regexp.MustCompile(`(^|:\s)\s*-?[0-9]+\s*$`).MatchString(detail) {
			t.Errorf("%s: %q is a bare number", where, line)
		}
		if strings.Contains(line, "0001") {
			t.Errorf("%s: %q shows a zero time", where, line)
		}
	}
	rows := readCSV(t, b, "/audit.csv")
	if len(rows) != len(es)+1 {
		t.Fatalf("the CSV has %d rows for %d entries", len(rows)-1, len(es))
	}
	for _, r := range rows[1:] {
		check("/audit.csv", r[2], r[4])
	}
	_, page := b.get("/audit")
	cells := regexp.MustCompile(`(?s)<td data-label="Việc">(.*?)</td>.*?<td data-label="Chi tiết">(.*?)</td>`).FindAllStringSubmatch(page, -1)
	if len(cells) != len(es) {
		t.Fatalf("/audit shows %d rows for %d entries", len(cells), len(es))
	}
	for _, c := range cells {
		check("/audit", html.UnescapeString(c[1]), html.UnescapeString(c[2]))
	}
	// The words themselves, for the ones the finding named.
	text := ""
	for _, r := range rows[1:] {
		text += r[2] + " | " + r[4] + "\n"
	}
	for _, want := range []string{"trạng thái: chờ duyệt", "bỏ 0 lượt đang chờ gửi", groups[2].Name + ": là nhóm gửi thử",
		"tới " + groups[2].Name, "mã tin Zalo", "UBND xã An Phú", "nhập tay bằng lệnh loaxa zalo connect: đã gửi cho Zalo",
		"đã lưu cặp mã truy cập mới Zalo cấp cho nó", "Zalo không nhận nó; cặp mã truy cập đang lưu được giữ nguyên"} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q:\n%s", want, text)
		}
	}
}
