package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
)

// checkTimeout bounds one group check made by a command.
const checkTimeout = 30 * time.Second

// groupChecker is the Zalo client that checks groups, or nil when Zalo is
// not configured (the check is then "chưa kiểm tra"); oa names the OA in
// the reconnect command its errors give (opened.oaKey).
func groupChecker(cfg Config, s bot.TokenStore, oa string) schedule.GroupChecker {
	if cfg.ZaloAppID == "" {
		return nil
	}
	return newClient(cfg, s, oa, zerolog.Nop())
}

// checkGroup checks groupID with Zalo before a hamlet uses it.
func checkGroup(ctx context.Context, c schedule.GroupChecker, s *notices.Store, groupID string) schedule.GroupCheck {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	return schedule.CheckGroup(ctx, c, groupID, s.Now().UTC(), s.Location())
}

// uncheckedNote tells staff that a group could not be checked and when it
// will be.
func uncheckedNote(f notices.GroupFacts) string {
	return fmt.Sprintf("chưa kiểm tra được nhóm %s với Zalo (%s); loaxa serve sẽ kiểm tra lại sau (trong vòng 30 phút khi Zalo trả lời được)",
		f.GroupID, f.CheckError)
}

// membersCell is the members column of `hamlet list`.
func membersCell(f notices.GroupFacts, ok bool) string {
	switch {
	case !ok || !f.HasMembers:
		return "chưa kiểm tra"
	case f.MaxMember > 0 && f.Full():
		return fmt.Sprintf("%d/%d (đầy)", f.TotalMember, f.MaxMember)
	case f.MaxMember > 0:
		return fmt.Sprintf("%d/%d", f.TotalMember, f.MaxMember)
	}
	return fmt.Sprint(f.TotalMember)
}

// expiryCell is the package column of `hamlet list`: its last day in the
// commune zone.
func expiryCell(f notices.GroupFacts, ok bool, loc *time.Location) string {
	last := f.LastDay(loc)
	if !ok || last.IsZero() {
		return "—"
	}
	s := last.Format("02/01/2006")
	if f.AutoRenew {
		s += " (tự gia hạn)"
	}
	return s
}

// alarmsCell sums up a hamlet's alarms for `hamlet list`.
func alarmsCell(h notices.Hamlet, f notices.GroupFacts, ok bool, now time.Time, loc *time.Location) string {
	if !ok {
		return ""
	}
	var out []string
	if !f.Checked() && f.CheckError != "" {
		// When it was tried: the reason is that try's, not necessarily now's
		// (loaxa serve tries again, and at once after a message reaches the group).
		when := ""
		if !f.TriedAt.IsZero() {
			when = " (lần thử lúc " + f.TriedAt.In(loc).Format("15:04 02/01/2006") + ")"
		}
		out = append(out, "chưa kiểm tra được"+when+": "+f.CheckError)
	}
	for _, a := range notices.AlarmsOf(h, f, now, loc) {
		switch a.Kind {
		case notices.AlarmExpiring:
			days, _ := f.DaysLeft(now, loc)
			out = append(out, fmt.Sprintf("gói sắp hết hạn (còn %d ngày)", days))
		case notices.AlarmExpired:
			out = append(out, "gói đã hết hạn, không gửi được")
		case notices.AlarmDisabled:
			out = append(out, "nhóm bị tắt, không gửi được")
		case notices.AlarmGone:
			out = append(out, "OA không còn trong nhóm: "+f.GoneReason)
		case notices.AlarmFull:
			out = append(out, "nhóm đầy")
		}
	}
	return strings.Join(out, "; ")
}

// syncInCommune gives, with several communes, the «loaxa hamlet sync» a
// group check's refusal suggests its --commune (without it the command is
// a usage error).
func syncInCommune(ctx context.Context, s *notices.Store, commune, refused string) string {
	if cs, err := s.Communes(ctx); err != nil || len(cs) < 2 {
		return refused
	}
	return strings.ReplaceAll(refused, "«loaxa hamlet sync»", "«loaxa hamlet sync --commune "+commune+"»")
}
