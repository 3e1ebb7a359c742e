package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// moreActionLabels name the actions the store records that render.go's
// actionLabels does not.
var moreActionLabels = map[string]string{
	"notice.set_aside": "để riêng thông báo hỏng",
}

func init() {
	// Only where render.go has no label: a label given there wins.
	for k, v := range moreActionLabels {
		if _, ok := actionLabels[k]; !ok {
			actionLabels[k] = v
		}
	}
}

// actionText is an action as staff read it; one without a label (a new
// action) reads by its family, never as a bare code alone.
func actionText(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	family, rest, _ := strings.Cut(a, ".")
	switch family {
	case "notice":
		return "thông báo: " + rest
	case "hamlet":
		return "thôn/ấp: " + rest
	case "user":
		return "tài khoản: " + rest
	case "zalo":
		return "Zalo: " + rest
	}
	return a
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
