package main

import (
	"context"
	"fmt"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
)

// hamletSync is `loaxa hamlet sync`: a hamlet for each of the OA's groups.
func hamletSync(ctx context.Context, e *env, args []string) error {
	f := zaloFlags(e, "loaxa hamlet sync", "",
		"Đọc danh sách nhóm của OA từ Zalo và thêm một thôn/ấp cho mỗi nhóm chưa có. Thôn/ấp đã có giữ nguyên\n"+
			"tên; thôn/ấp có nhóm không còn trong danh sách được liệt kê để cán bộ xem lại.",
		"ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_API_BASE", "ZALO_OAUTH_BASE")
	o, err := f.prelude(ctx, args, 0, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	s, c, commune := o.s, o.oa, o.c
	groups, err := c.ListGroups(ctx)
	if err != nil {
		return fmt.Errorf("không đọc được danh sách nhóm từ Zalo: %s", bot.Reason(err))
	}
	gs := syncGroups(ctx, c, s, groups)
	res, err := s.SyncHamletsIn(ctx, "cli", commune.Code, gs)
	if err != nil {
		return err
	}
	for _, h := range res.Added {
		members := "chưa kiểm tra"
		if h.Facts != nil {
			members = membersCell(*h.Facts, true)
		}
		fmt.Fprintf(e.stdout, "thêm     %s  %s  (nhóm %s, thành viên: %s)\n", h.Code, h.Name, h.GroupID, members)
	}
	for _, g := range res.Refused {
		fmt.Fprintf(e.stdout, "bỏ qua   nhóm %s: %s\n", g.ID, g.Refused)
	}
	for _, h := range res.Missing {
		fmt.Fprintf(e.stdout, "không thấy nhóm của %s  %s  (nhóm %s) trong OA; hãy kiểm tra lại\n", h.Code, h.Name, h.GroupID)
		if check := checkGroup(ctx, c, s, h.GroupID); check.Refused != "" && !check.Facts.Checked() {
			if err := s.MarkGroupGone(ctx, h.GroupID, "Zalo báo OA không ở trong nhóm khi đồng bộ"); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(e.stdout, "%d nhóm từ Zalo: thêm %d thôn/ấp, %d đã có.\n", len(groups), len(res.Added), res.Known)
	return nil
}

// syncGroups checks each group the OA listed (getgroup), so that the
// hamlets sync adds or keeps carry its facts; a disabled group is not
// added. Used by `hamlet sync`.
func syncGroups(ctx context.Context, c schedule.GroupChecker, s *notices.Store, groups []bot.Group) []notices.Group {
	gs := make([]notices.Group, 0, len(groups))
	for _, g := range groups {
		check := checkGroup(ctx, c, s, g.GroupID)
		ng := notices.Group{ID: g.GroupID, Name: g.Name, Refused: check.Refused}
		if check.Refused == "" || check.Facts.Checked() {
			f := check.Facts
			ng.Facts = &f
		}
		gs = append(gs, ng)
	}
	return gs
}
