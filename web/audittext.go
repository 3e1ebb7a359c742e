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
	"notice.rejected":  "tự động từ chối thông báo",
	"notice.cancelled": "tự động dừng thông báo",
	"commune.add":      "thêm xã", "commune.edit": "sửa xã", "commune.rename": "đổi mã xã",
	"commune.enable": "bật xã", "commune.disable": "tắt xã",
}

// auditNames are what an entry's codes stand for: hamlets by id and by
// code, communes by code.
type auditNames struct {
	hamlets     map[int64]string
	hamletCodes map[string]string
	communes    map[string]string
}

// newAuditNames indexes the hamlets and communes the log may name.
func newAuditNames(hs []notices.Hamlet, cs []notices.Commune) auditNames {
	n := auditNames{hamlets: map[int64]string{}, hamletCodes: map[string]string{}, communes: map[string]string{}}
	for _, h := range hs {
		n.hamlets[h.ID], n.hamletCodes[h.Code] = h.Name, h.Name
	}
	for _, c := range cs {
		n.communes[c.Code] = c.Name
	}
	return n
}

// hamletsByName rewrites the hamlet codes in an older test-send detail
// ("… tới khom-3, message_id …") as names.
func (n auditNames) hamletsByName(d string) string {
	for code, name := range n.hamletCodes {
		d = strings.ReplaceAll(d, " ("+code+")", "")
		d = strings.ReplaceAll(d, "tới "+code, "tới "+name)
	}
	return strings.ReplaceAll(d, "message_id", "mã tin Zalo")
}

// commune is a commune code as staff read it: its name, or the code named
// as one.
func (n auditNames) commune(code string) string {
	if name := n.communes[code]; name != "" {
		return name
	}
	return "xã mã «" + code + "»"
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
func auditDetail(e notices.AuditEntry, names auditNames, loc *time.Location) string {
	d := strings.TrimSpace(e.Detail)
	hamlet := names.hamlets[e.HamletID]
	switch e.Action {
	case "notice.edit", "notice.submit":
		if st := notices.Status(d); st.Label() != d && !strings.Contains(d, " ") && d != "" {
			d = "trạng thái: " + st.Label()
		}
	case "notice.pause":
		if n, err := strconv.Atoi(d); err == nil {
			d = "bỏ " + strconv.Itoa(n) + " lượt đang chờ gửi"
		}
	case "hamlet.staff_test":
		switch d {
		case "on":
			d = "là nhóm gửi thử của cán bộ"
		case "off":
			d = "không còn là nhóm gửi thử"
		}
	case "notice.test", "notice.test_result":
		d = names.hamletsByName(d)
	case "zalo.connect":
		if v, ok := strings.CutPrefix(d, "oa_id "); ok {
			d = "OA số " + v
		}
	case "commune.add":
		if code, name, ok := strings.Cut(d, " "); ok {
			d = name + " (mã " + code + ")"
		}
	case "commune.edit":
		if code, rest, ok := strings.Cut(d, " "); ok {
			name, rate, _ := strings.Cut(rest, " rate=")
			if name == "" {
				name = names.commune(code)
			}
			switch rate {
			case "", "0":
				d = name + ", tốc độ gửi theo giới hạn của ứng dụng"
			default:
				d = name + ", tối đa " + rate + " yêu cầu mỗi phút"
			}
		}
	case "commune.rename":
		if old, nu, ok := strings.Cut(d, " → "); ok {
			d = "mã xã «" + old + "» đổi thành «" + nu + "»"
			if name := names.communes[nu]; name != "" {
				d = name + ": " + d
			}
		}
	case "commune.enable", "commune.disable":
		if d != "" && !strings.Contains(d, " ") {
			d = names.commune(d)
		}
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
		// What loaxa wrote, in English, before these details were
		// Vietnamese (a refresh token given by hand).
		const hand = "mã làm mới (refresh token) nhập tay bằng lệnh loaxa zalo connect: "
		switch {
		case d == "refresh token given by hand sent to zalo":
			d = hand + "đã gửi cho Zalo"
		case d == "refresh token given by hand: new pair stored":
			d = hand + "đã lưu cặp mã truy cập mới Zalo cấp cho nó"
		case strings.HasPrefix(d, "refresh token given by hand: "):
			d = hand + "không dùng được; cặp mã truy cập đang lưu được giữ nguyên"
		}
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
