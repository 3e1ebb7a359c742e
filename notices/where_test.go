package notices_test

import (
	"context"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestWhereText: where a notice goes, by name, as the site's pages and
// `loaxa notice show` both say it: a commune's hamlets read within that
// commune, a province notice's communes and commune/hamlet targets named
// with their commune, a deleted hamlet by its code; with one commune no
// commune is named.
func TestWhereText(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	an, err := s.CommuneByCode(ctx, "xa-an-phu")
	if err != nil {
		t.Fatal(err)
	}
	ph, err := s.CommuneByCode(ctx, "xa-phu-hoa")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateHamlet(ctx, "test", &notices.Hamlet{Commune: "xa-phu-hoa", Code: "ap-2", Name: "Ấp Hòa Hai", GroupID: "g-ph-ap-2"}); err != nil {
		t.Fatal(err)
	}
	const all = "tất cả thôn/ấp đang hoạt động"
	for _, tc := range []struct {
		n    notices.Notice
		want string
	}{
		{notices.Notice{Commune: an.Code, CommuneID: an.ID}, all + " của UBND xã An Phú"},
		{notices.Notice{Commune: ph.Code, CommuneID: ph.ID, Targets: []string{notices.AllHamlets}}, all + " của UBND xã Phú Hòa"},
		{notices.Notice{Commune: ph.Code, CommuneID: ph.ID, Targets: []string{"ap-2", "ap-cu"}}, "Ấp Hòa Hai, ap-cu"},
		{notices.Notice{Commune: an.Code, CommuneID: an.ID, Targets: []string{"ap-2"}}, "Ấp 2"},
		{notices.Notice{Commune: notices.Province}, "tất cả các xã, phường trong tỉnh (mọi thôn/ấp đang hoạt động)"},
		{notices.Notice{Commune: notices.Province, Targets: []string{"xa-an-phu", "xa-phu-hoa/ap-2", "xa-phu-hoa/ap-cu", "xa-cu"}},
			"UBND xã An Phú (mọi thôn/ấp), Ấp Hòa Hai (UBND xã Phú Hòa), ap-cu (UBND xã Phú Hòa), xa-cu (mọi thôn/ấp)"},
	} {
		if got, err := s.WhereText(ctx, &tc.n, all); err != nil || got != tc.want {
			t.Errorf("WhereText(%s %v) = %q, %v; want %q", tc.n.Commune, tc.n.Targets, got, err, tc.want)
		}
	}

	one, _ := openStore(t)
	if err := one.CreateHamlet(ctx, "test", &notices.Hamlet{Code: "khom-1", Name: "Khóm 1", GroupID: "g1"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    notices.Notice
		want string
	}{
		{notices.Notice{}, all},
		{notices.Notice{Targets: []string{"khom-1", "khom-9"}}, "Khóm 1, khom-9"},
	} {
		if got, err := one.WhereText(ctx, &tc.n, all); err != nil || got != tc.want {
			t.Errorf("one commune: WhereText(%v) = %q, %v; want %q", tc.n.Targets, got, err, tc.want)
		}
	}
}
