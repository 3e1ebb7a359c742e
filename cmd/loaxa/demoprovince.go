package main

import (
	"context"
	"fmt"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
)

// demoProvince is `loaxa demo --province`: three communes, each with a few
// hamlets on its own simulated OA, under one simulated app.
var demoProvince = []struct {
	code, name, oa string
	hamlets        []struct{ code, name, group string }
}{
	{"xa-an-phu", "UBND xã An Phú", "4000000000000000001", []struct{ code, name, group string }{
		{"ap-1", "Ấp 1", "a1000000000000000001"}, {"ap-2", "Ấp 2", "a1000000000000000002"}, {"ap-3", "Ấp 3", "a1000000000000000003"}}},
	{"xa-phu-hoa", "UBND xã Phú Hòa", "4000000000000000002", []struct{ code, name, group string }{
		{"ap-1", "Ấp Phú Thượng", "b2000000000000000001"}, {"ap-2", "Ấp Phú Hạ", "b2000000000000000002"}}},
	{"phuong-my-binh", "UBND phường Mỹ Bình", "4000000000000000003", []struct{ code, name, group string }{
		{"khom-1", "Khóm 1", "c3000000000000000001"}, {"khom-2", "Khóm 2", "c3000000000000000002"}, {"khom-3", "Khóm 3", "c3000000000000000003"}}},
}

// demoProvinceSize says the province demo's size, "3 xã, 8 thôn/ấp".
func demoProvinceSize() string {
	n := 0
	for _, c := range demoProvince {
		n += len(c.hamlets)
	}
	return fmt.Sprintf("%d xã, %d thôn/ấp", len(demoProvince), n)
}

// demoProvinceOAs are the simulator's OAs of demoProvince.
func demoProvinceOAs() []zalosim.OA {
	var oas []zalosim.OA
	for _, c := range demoProvince {
		oa := zalosim.OA{ID: c.oa, Name: c.name}
		for i, h := range c.hamlets {
			oa.Groups = append(oa.Groups, zalosim.Group{ID: h.group, Name: "Zalo " + h.name, Members: 35 + 9*i})
		}
		oas = append(oas, oa)
	}
	return oas
}

// seedProvince makes the demo database a province before the daemon opens
// it: the first commune (made from LOAXA_COMMUNE) renamed to the first of
// demoProvince, the other two added, each with its hamlets and its OA's
// token pair.
func seedProvince(ctx context.Context, cfg Config, sim *zalosim.Server) error {
	s, err := openStore(ctx, cfg.DB, notices.Options{Location: cfg.Location, Commune: demoProvince[0].name})
	if err != nil {
		return err
	}
	defer s.Close()
	for i, c := range demoProvince {
		if i == 0 {
			first, err := s.ResolveCommune(ctx, "")
			if err != nil {
				return err
			}
			if err := s.RenameCommune(ctx, "demo", first.Code, c.code); err != nil {
				return fmt.Errorf("demo commune %s: %w", c.code, err)
			}
		} else if err := s.CreateCommune(ctx, "demo", &notices.Commune{Code: c.code, Name: c.name}); err != nil {
			return fmt.Errorf("demo commune %s: %w", c.code, err)
		}
		cm, err := s.CommuneByCode(ctx, c.code)
		if err != nil {
			return err
		}
		for _, h := range c.hamlets {
			if err := s.CreateHamlet(ctx, "demo", &notices.Hamlet{Commune: c.code, Code: h.code, Name: h.name, GroupID: h.group, Active: true}); err != nil {
				return fmt.Errorf("demo hamlet %s/%s: %w", c.code, h.code, err)
			}
		}
		creds, ok := sim.OACredentials(c.oa)
		if !ok {
			return fmt.Errorf("the simulator has no OA %s", c.oa)
		}
		if err := s.CommuneTokens(cm.ID).SaveZaloTokens(ctx, "", creds.RefreshToken, time.Time{}); err != nil {
			return fmt.Errorf("demo commune %s's OA: %w", c.code, err)
		}
	}
	return nil
}

// seedProvinceNotices adds the province demo's notices: one province-wide
// urgent warning to every hamlet of every commune, and one notice of each
// commune to its own hamlets.
func seedProvinceNotices(ctx context.Context, s *notices.Store) error {
	ns := []notices.Notice{{Title: "Cảnh báo triều cường và sạt lở bờ sông", Commune: notices.Province, Priority: notices.Urgent,
		Body: "Chiều nay triều cường đạt đỉnh lúc 17 giờ. Bà con ven sông không neo đậu ghe xuồng gần bờ, " +
			"theo dõi thông báo của chính quyền địa phương.", Category: "Thời tiết, thiên tai"}}
	for _, c := range demoProvince {
		ns = append(ns, notices.Notice{Title: "Lịch họp dân cuối tháng", Commune: c.code, Category: "chung",
			Body: "Mời bà con dự họp lúc 19 giờ tối thứ Sáu tại nhà văn hóa, bàn việc " + c.name[5:] + "."})
	}
	for _, n := range ns {
		n.Status, n.Source, n.Author = notices.StatusApproved, notices.SourceCLI, "canbo"
		if n.Priority == "" {
			n.Priority = notices.Normal
		}
		if err := s.CreateNotice(ctx, &n); err != nil {
			return fmt.Errorf("demo notice %q: %w", n.Title, err)
		}
	}
	return nil
}
