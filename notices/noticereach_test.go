package notices_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestNoticeThatReachesNoOne: a notice whose targets all exist but reach no
// active hamlet (the communes chosen are disabled, or have no active
// hamlet; the hamlets chosen are disabled) is refused on "targets" with a
// reason and a way out, when created and when edited, and nothing is
// written; one that reaches a hamlet is accepted.
func TestNoticeThatReachesNoOne(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t) // xa-an-phu: ap-1, ap-2; xa-phu-hoa: ap-1
	if err := s.CreateCommune(ctx, "test", &notices.Commune{Code: "xa-rong", Name: "UBND xã Rỗng"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCommuneActive(ctx, "test", "xa-phu-hoa", false); err != nil {
		t.Fatal(err)
	}
	p := func(targets ...string) notices.Notice {
		return notices.Notice{Title: "Lũ", Body: "Nước lên", Commune: notices.Province, Targets: targets, Source: notices.SourceCLI}
	}
	refuse := func(name string, n notices.Notice, want string) {
		t.Helper()
		before, _ := s.CountNotices(ctx, notices.NoticeFilter{})
		err := s.CreateNotice(ctx, &n)
		var fes notices.FieldErrors
		if !errors.As(err, &fes) || !fes.Has("targets") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: CreateNotice = %v; want a targets error saying %q", name, err, want)
		}
		if after, _ := s.CountNotices(ctx, notices.NoticeFilter{}); after != before {
			t.Errorf("%s: refused, yet %d notices written", name, after-before)
		}
	}
	refuse("a disabled commune", p("xa-phu-hoa"), `UBND xã Phú Hòa (xa-phu-hoa) đang tắt); hãy chọn xã hoặc thôn/ấp khác, bật lại xã (loaxa commune enable xa-phu-hoa)`)
	refuse("a hamlet of a disabled commune", p("xa-phu-hoa/ap-1"), `UBND xã Phú Hòa (xa-phu-hoa) đang tắt (thôn/ấp đã chọn của nó: "xa-phu-hoa/ap-1")`)
	refuse("a commune with no hamlet", p("xa-rong"), `không có thôn/ấp nào đang hoạt động: "xa-rong"`)
	refuse("both", p("xa-phu-hoa", "xa-rong"), `UBND xã Phú Hòa (xa-phu-hoa) đang tắt; không có thôn/ấp nào đang hoạt động: "xa-rong"`)

	ap2, err := s.HamletsOf(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range ap2 {
		if h.Code == "ap-2" {
			if err := s.SetHamletActiveID(ctx, "test", h.ID, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	refuse("a disabled hamlet of an active commune", p("xa-an-phu/ap-2"), `không có thôn/ấp nào đang hoạt động: "xa-an-phu/ap-2"`)
	c := notices.Notice{Title: "Họp", Body: "b", Commune: "xa-an-phu", Targets: []string{"ap-2"}, Source: notices.SourceCLI}
	refuse("a commune notice to a disabled hamlet", c, `Các thôn/ấp đã chọn ("ap-2") đều đang tắt`)

	ok := p("xa-phu-hoa", "xa-an-phu/ap-1")
	if err := s.CreateNotice(ctx, &ok); err != nil {
		t.Fatalf("a province notice reaching xa-an-phu/ap-1: %v", err)
	}
	if ts, err := s.NoticeTargets(ctx, &ok); err != nil || len(ts) != 1 {
		t.Errorf("NoticeTargets = %+v, %v; want ap-1 of xa-an-phu alone", ts, err)
	}
	// Edited to reach no one: refused, the notice as it was.
	edit := ok
	edit.Targets = []string{"xa-rong"}
	if err := s.UpdateNotice(ctx, &edit, "test", true); err == nil || !strings.Contains(err.Error(), `"xa-rong"`) {
		t.Errorf("UpdateNotice to xa-rong alone = %v; want refused", err)
	}
	if got, err := s.Notice(ctx, ok.ID); err != nil || strings.Join(got.Targets, ",") != "xa-phu-hoa,xa-an-phu/ap-1" {
		t.Errorf("notice after the refused edit = %+v, %v", got, err)
	}
}
