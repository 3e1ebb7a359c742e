package web

import (
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestPlainLanguage: categories by name, sizes with a decimal comma, the
// one time format, and the audit log's details in Vietnamese.
func TestPlainLanguage(t *testing.T) {
	for in, want := range map[string]string{"moi-truong": "Môi trường", "y tế": "Y tế", "Y-TE": "Y tế", "chung": "Chung",
		"thời tiết, thiên tai": "Thời tiết, thiên tai", "điện nước": "Điện nước", "lễ hội": "Lễ hội", "": ""} {
		if got := categoryLabel(in); got != want {
			t.Errorf("categoryLabel(%q) = %q; want %q", in, got, want)
		}
	}
	for n, want := range map[int64]string{1468006: "1,4 MB", 1 << 20: "1,0 MB", 320 << 10: "320 KB", 12: "12 byte"} {
		if got := sizeVN(n); got != want {
			t.Errorf("sizeVN(%d) = %q; want %q", n, got, want)
		}
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	if got := whenVN(at, loc); got != "27/11/2026 08:00" {
		t.Errorf("whenVN = %q", got)
	}
	if got := whenVN(time.Time{}, loc); got != "" {
		t.Errorf("the zero time reads %q; want nothing", got)
	}
	if got := dateVN(at, loc); got != "Thứ Sáu, 27/11/2026 08:00" {
		t.Errorf("dateVN = %q", got)
	}
	hamlets := newAuditNames([]notices.Hamlet{{ID: 3, Code: "khom-1", Name: "Khóm 1"}}, nil)
	for _, tt := range []struct {
		e    notices.AuditEntry
		want string
	}{
		{notices.AuditEntry{Action: "notice.create", Detail: "pending"}, "trạng thái: chờ duyệt"},
		{notices.AuditEntry{Action: "notice.create", Detail: "approved; tác giả «x» (chưa xác minh)"}, "trạng thái: đã duyệt; tác giả «x» (chưa xác minh)"},
		{notices.AuditEntry{Action: "notice.retry", Detail: "3"}, "3 tin được gửi lại"},
		{notices.AuditEntry{Action: "zalo.tokens", Detail: "expires 2026-11-27 01:00:00"}, "mã truy cập mới, hết hạn 27/11/2026 08:00"},
		{notices.AuditEntry{Action: "zalo.tokens", Detail: "expires 0001-01-01 00:00:00"}, "mã truy cập mới, Zalo không cho biết hạn"},
		// F5: the English an older loaxa wrote for a refresh token given by hand.
		{notices.AuditEntry{Action: "zalo.tokens", Detail: "refresh token given by hand sent to zalo"},
			"mã làm mới (refresh token) nhập tay bằng lệnh loaxa zalo connect: đã gửi cho Zalo"},
		{notices.AuditEntry{Action: "zalo.tokens", Detail: "refresh token given by hand: new pair stored"},
			"mã làm mới (refresh token) nhập tay bằng lệnh loaxa zalo connect: đã lưu cặp mã truy cập mới Zalo cấp cho nó"},
		{notices.AuditEntry{Action: "zalo.tokens", Detail: "refresh token given by hand: refused by zalo; stored pair kept"},
			"mã làm mới (refresh token) nhập tay bằng lệnh loaxa zalo connect: không dùng được; cặp mã truy cập đang lưu được giữ nguyên"},
		{notices.AuditEntry{Action: "hamlet.add", HamletID: 3, Detail: "khom-1 g1"}, "Khóm 1, nhóm Zalo g1"},
		{notices.AuditEntry{Action: "hamlet.disable", HamletID: 3, Detail: "khom-1"}, "Khóm 1"},
		{notices.AuditEntry{Action: "user.add", Detail: "lan approver"}, "lan, vai trò duyệt"},
		{notices.AuditEntry{Action: "user.login", Detail: "192.0.2.1"}, "từ địa chỉ 192.0.2.1"},
		{notices.AuditEntry{Action: "notice.reject", Detail: "Sai ngày"}, "Sai ngày"},
		{notices.AuditEntry{Action: "notice.pause", Detail: "0"}, "bỏ 0 lượt đang chờ gửi"},
		{notices.AuditEntry{Action: "notice.edit", Detail: "pending"}, "trạng thái: chờ duyệt"},
		{notices.AuditEntry{Action: "hamlet.staff_test", HamletID: 3, Detail: "on"}, "Khóm 1: là nhóm gửi thử của cán bộ"},
		// Test sends audited before the names: the codes read as names.
		{notices.AuditEntry{Action: "notice.test_result", HamletID: 3, Detail: "1/1 phần tới khom-1, message_id m1"},
			"1/1 phần tới Khóm 1, mã tin Zalo m1"},
		{notices.AuditEntry{Action: "notice.test", HamletID: 3, Detail: "gửi thử tới Khóm 1 (khom-1): 2 phần"}, "gửi thử tới Khóm 1: 2 phần"},
		{notices.AuditEntry{Action: "zalo.connect", Detail: "oa_id 99"}, "OA số 99"},
	} {
		if got := auditDetail(tt.e, hamlets, loc); got != tt.want {
			t.Errorf("auditDetail(%s %q) = %q; want %q", tt.e.Action, tt.e.Detail, got, tt.want)
		}
		if strings.Contains(auditDetail(tt.e, hamlets, loc), "0001") {
			t.Errorf("a zero time shows as 0001")
		}
	}
	for a, want := range map[string]string{"daemon": "phần mềm (tự động)", "sql": "ghi thẳng vào cơ sở dữ liệu", "lan": "lan"} {
		if got := actorLabel(a); got != want {
			t.Errorf("actorLabel(%q) = %q; want %q", a, got, want)
		}
	}
	for _, c := range []struct{ in, want string }{{"=1+1", "'=1+1"}, {"+84", "'+84"}, {"-403", "-403"}, {"-1,5", "-1,5"}, {"-1.5", "-1.5"}, {"-1+1", "'-1+1"}, {"-237 lỗi", "'-237 lỗi"}, {"-", "'-"}, {"@SUM", "'@SUM"},
		{"\tx", "'\tx"}, {"bão", "bão"}, {"#12", "#12"}, {"", ""}} {
		if got := csvCell(c.in); got != c.want {
			t.Errorf("csvCell(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}
