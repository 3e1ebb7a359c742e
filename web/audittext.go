package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// moreActionLabels name the actions render.go's actionLabels does not:
// what the daemon records, and what the staff workflows record.
var moreActionLabels = map[string]string{
	"notice.set_aside": "để riêng thông báo hỏng", "notice.skipped": "bỏ qua", "notice.draft": "lưu nháp",
	"notice.edit": "sửa thông báo", "notice.update": "sửa thông báo", "notice.resubmit": "gửi duyệt lại",
	"notice.duplicate": "nhân bản thông báo", "notice.pause": "tạm dừng", "notice.resume": "cho gửi tiếp",
	"notice.test_send": "gửi thử", "notice.test": "gửi thử", "template.add": "thêm mẫu", "template.update": "sửa mẫu",
	"template.delete": "xóa mẫu", "hamlet.test_group": "đặt nhóm thử",
}

func init() {
	for k, v := range moreActionLabels {
		if _, ok := actionLabels[k]; !ok {
			actionLabels[k] = v
		}
	}
}

// actorLabel is who did it, as staff read it: a user name as is, the
// programs by what they are.
func actorLabel(a string) string {
	switch a {
	case "daemon":
		return "phần mềm (tự động)"
	case "cli":
		return "dòng lệnh (loaxa)"
	case "sql":
		return "ghi thẳng vào cơ sở dữ liệu"
	case "test":
		return "thử nghiệm"
	case "?", "":
		return "không rõ"
	}
	return a
}

// auditDetail is an entry's detail in Vietnamese: the store writes some in
// a terse form (a status, "khom-1 g1", "expires 2026-...") that staff
// should not have to decode; hamlets by name, times in the commune zone.
func auditDetail(e notices.AuditEntry, hamlets map[int64]string, loc *time.Location) string {
	d := strings.TrimSpace(e.Detail)
	hamlet := hamlets[e.HamletID]
	switch e.Action {
	case "notice.create":
		st, rest, _ := strings.Cut(d, ";")
		if st = strings.TrimSpace(st); st != "" {
			d = "trạng thái: " + notices.Status(st).Label()
			if rest != "" {
				d += ";" + rest
			}
		}
	case "notice.retry":
		if n, err := strconv.Atoi(d); err == nil {
			d = strconv.Itoa(n) + " tin được gửi lại"
		}
	case "zalo.tokens":
		if v, ok := strings.CutPrefix(d, "expires "); ok {
			t, err := time.ParseInLocation("2006-01-02 15:04:05", v, time.UTC)
			switch {
			case err != nil:
			case t.Year() <= 1:
				d = "mã truy cập mới, Zalo không cho biết hạn"
			default:
				d = "mã truy cập mới, hết hạn " + whenVN(t, loc)
			}
		}
	case "hamlet.add", "hamlet.update":
		if _, group, ok := strings.Cut(d, " "); ok && hamlet != "" {
			d = hamlet + ", nhóm Zalo " + group
		}
	case "hamlet.enable", "hamlet.disable":
		if hamlet != "" {
			d = hamlet
		}
	case "user.add":
		if name, role, ok := strings.Cut(d, " "); ok {
			d = name + ", vai trò " + roleLabel(notices.Role(role))
		}
	case "user.login", "user.login_failed":
		if d != "" && !strings.Contains(d, " ") {
			d = "từ địa chỉ " + d
		}
	}
	if hamlet != "" && !strings.Contains(d, hamlet) {
		if d == "" {
			return hamlet
		}
		d = hamlet + ": " + d
	}
	return d
}
