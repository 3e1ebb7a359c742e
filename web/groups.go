package web

import (
	"context"
	"fmt"

	"github.com/loaxa/loaxa/notices"
)

// GroupCheck checks a Zalo group before a hamlet of commune communeID
// uses it (cmd wires it to schedule.CheckGroup through that commune's OA;
// 0: the only commune's): facts.Checked() false means Zalo could not be
// asked ("chưa kiểm tra", facts.CheckError says why); refused, when set,
// says in Vietnamese why the group cannot be used.
type GroupCheck func(ctx context.Context, communeID int64, groupID string) (facts notices.GroupFacts, refused string)

// hamletRow is one line of /hamlets: the hamlet, what Zalo said of its
// group, and its alarms.
type hamletRow struct {
	notices.Hamlet
	Facts    notices.GroupFacts
	HasFacts bool
	Members  string // "25/100", or "chưa kiểm tra"
	Expiry   string // the package's last day, in the commune zone
	Alarms   []notices.GroupAlarm
}

// Unchecked reports whether Zalo never answered a check of the group.
func (h hamletRow) Unchecked() bool { return !h.Facts.Checked() }

func (s *Server) hamletRows(ctx context.Context, hs []notices.Hamlet) ([]hamletRow, error) {
	facts, err := s.store.AllGroupFacts(ctx)
	if err != nil {
		return nil, err
	}
	now, loc := s.now(), s.cfg.Location
	rows := make([]hamletRow, 0, len(hs))
	for _, h := range hs {
		f, ok := facts[h.GroupID]
		row := hamletRow{Hamlet: h, Facts: f, HasFacts: ok, Members: "chưa kiểm tra", Expiry: "—"}
		if ok && f.HasMembers {
			row.Members = fmt.Sprint(f.TotalMember)
			if f.MaxMember > 0 {
				row.Members += fmt.Sprintf("/%d", f.MaxMember)
			}
		}
		if last := f.LastDay(loc); ok && !last.IsZero() {
			row.Expiry = last.Format("02/01/2006")
			if f.AutoRenew {
				row.Expiry += " (tự gia hạn)"
			}
		}
		if ok && h.Active {
			row.Alarms = notices.AlarmsOf(h, f, now, loc)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// checkGroup runs the configured check of groupID for a hamlet of commune
// communeID (0: the only commune); without one, the group is unchecked.
func (s *Server) checkGroup(ctx context.Context, communeID int64, groupID string) (notices.GroupFacts, string) {
	if s.cfg.CheckGroup == nil {
		return notices.GroupFacts{GroupID: groupID, TriedAt: s.now(), CheckError: "chưa cấu hình Zalo OA"}, ""
	}
	return s.cfg.CheckGroup(ctx, communeID, groupID)
}

// uncheckedFlash tells staff the group was not checked, and when it will be.
func uncheckedFlash(f notices.GroupFacts) string {
	return " Lưu ý: chưa kiểm tra được nhóm Zalo " + f.GroupID + " (" + f.CheckError +
		"); hệ thống sẽ tự kiểm tra lại sau, kết quả hiện ở cột «Thành viên»."
}
