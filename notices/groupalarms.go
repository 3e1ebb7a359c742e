package notices

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ExpiryWarning is how many days before its package ends a group without
// auto-renewal raises the alarm.
const ExpiryWarning = 7

// Kinds of GroupAlarm.
const (
	AlarmExpiring = "expiring" // the package ends within ExpiryWarning days and does not renew
	AlarmExpired  = "expired"  // the package has ended (-237) and does not renew
	AlarmDisabled = "disabled" // Zalo says the group is disabled, or refused a send with -237/-238/-241
	AlarmGone     = "gone"     // the OA is not in the group, or it was disbanded
	AlarmFull     = "full"     // total_member has reached max_member: new residents cannot join
)

// renewStep is what to do about a package, for staff.
const renewStep = "Cách xử lý: quản trị viên OA vào trang quản lý OA của Zalo (oa.zalo.me), mục nhóm chat (GMF), " +
	"gia hạn gói của nhóm này hoặc bật tự động gia hạn; sau đó chạy «loaxa hamlet sync» " +
	"(hoặc bấm «Đồng bộ nhóm từ Zalo» ở trang Thôn/ấp) để kiểm tra lại ngay, nếu không hệ thống tự kiểm tra lại hằng ngày."

// GroupAlarm is something about an active hamlet's group that needs a
// person: its package, its state, or its room.
type GroupAlarm struct {
	Kind       string `json:"kind"`
	HamletCode string `json:"hamlet"`
	HamletName string `json:"hamlet_name"`
	GroupID    string `json:"group_id"`
	// Commune and CommuneName are the hamlet's commune's code and name:
	// hamlet codes and names repeat across communes.
	Commune     string    `json:"commune,omitempty"`
	CommuneName string    `json:"commune_name,omitempty"`
	LastDay     time.Time `json:"package_last_day,omitzero"` // the package's last valid day, in the commune zone
	Message     string    `json:"message"`                   // what is wrong and what to do, in Vietnamese
}

// Urgent reports whether the alarm stops or will soon stop deliveries (a
// full group still receives).
func (a GroupAlarm) Urgent() bool { return a.Kind != AlarmFull }

// AlarmsOf returns f's alarms for hamlet h at now, dates in loc.
func AlarmsOf(h Hamlet, f GroupFacts, now time.Time, loc *time.Location) []GroupAlarm {
	return alarmsOf(h, "", f, now, loc)
}

// alarmsOf is AlarmsOf; with several communes, communeName is h's
// commune's name, which the alarm's message says (as does the sync
// command it gives, with --commune).
func alarmsOf(h Hamlet, communeName string, f GroupFacts, now time.Time, loc *time.Location) []GroupAlarm {
	var out []GroupAlarm
	add := func(kind, msg string) {
		out = append(out, GroupAlarm{Kind: kind, HamletCode: h.Code, HamletName: h.Name, GroupID: h.GroupID,
			Commune: h.Commune, CommuneName: communeName, LastDay: f.LastDay(loc), Message: msg})
	}
	who := fmt.Sprintf("%s (nhóm Zalo %s)", h.Name, h.GroupID)
	renewStep := renewStep
	if communeName != "" {
		who += fmt.Sprintf(" của %s (%s)", communeName, h.Commune)
		renewStep = strings.Replace(renewStep, "«loaxa hamlet sync»", "«loaxa hamlet sync --commune "+h.Commune+"»", 1)
	}
	if !f.GoneAt.IsZero() {
		add(AlarmGone, fmt.Sprintf("OA không còn gửi được vào nhóm của %s từ %s: %s. Hãy thêm OA vào lại nhóm, "+
			"hoặc sửa mã nhóm của thôn/ấp cho đúng (trang Thôn/ấp); trong lúc đó mọi tin tới thôn/ấp này đều lỗi.",
			who, f.GoneAt.In(loc).Format("02/01/2006 15:04"), f.GoneReason))
		return out
	}
	days, known := f.DaysLeft(now, loc)
	date := f.LastDay(loc).Format("02/01/2006")
	switch {
	case known && days < 0 && !f.AutoRenew:
		add(AlarmExpired, fmt.Sprintf("Gói nhóm Zalo (GMF) của %s đã hết hạn ngày %s và không tự gia hạn: "+
			"Zalo không nhận tin cho nhóm này (lỗi -237), mọi tin tới thôn/ấp này đều lỗi. %s", who, date, renewStep))
	case f.Status == "disabled":
		msg := fmt.Sprintf("Nhóm Zalo của %s đang bị tắt (Zalo báo nhóm không hoạt động, thường do gói GMF hết hạn)", who)
		if known {
			msg += ", gói ghi hạn " + date
		}
		add(AlarmDisabled, msg+": mọi tin tới thôn/ấp này đều lỗi. "+renewStep)
	case known && days <= ExpiryWarning && !f.AutoRenew:
		left := fmt.Sprintf("còn %d ngày", days)
		if days == 0 {
			left = "hết hôm nay"
		}
		add(AlarmExpiring, fmt.Sprintf("Gói nhóm Zalo (GMF) của %s hết hạn ngày %s (%s) và không tự gia hạn: "+
			"sau ngày đó Zalo không nhận tin cho nhóm này. %s", who, date, left, renewStep))
	}
	if f.Full() {
		add(AlarmFull, fmt.Sprintf("Nhóm Zalo của %s đã đầy (%d/%d thành viên): cư dân mới không vào nhóm được. "+
			"Hãy nâng gói nhóm lên mức nhiều thành viên hơn trong trang quản lý OA của Zalo, hoặc mở thêm nhóm.",
			who, f.TotalMember, f.MaxMember))
	}
	return out
}

// GroupAlarms returns the alarms of every active hamlet's group at now, by
// hamlet code, dates in the commune zone.
func (s *Store) GroupAlarms(ctx context.Context, now time.Time) ([]GroupAlarm, error) {
	hs, err := s.Hamlets(ctx)
	if err != nil {
		return nil, err
	}
	facts, err := s.AllGroupFacts(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := s.Communes(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	if len(cs) > 1 {
		for _, c := range cs {
			names[c.ID] = c.Name
		}
	}
	var out []GroupAlarm
	for _, h := range hs {
		if !h.Active {
			continue
		}
		if f, ok := facts[h.GroupID]; ok {
			out = append(out, alarmsOf(h, names[h.CommuneID], f, now, s.loc)...)
		}
	}
	return out, nil
}
