package notices_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestFold: case, tones, hats and đ fold away.
func TestFold(t *testing.T) {
	for in, want := range map[string]string{"BÃO": "bao", "Cắt ĐIỆN": "cat dien", "đường": "duong", "Thứ Hai": "thu hai",
		"ABC 12": "abc 12", "Ca\u0301t \u0111ie\u0323\u0302n": "cat dien" /* not NFC */, "ỆỸỰ Ơ Ư Ă Â Ê Ô": "eyu o u a a e o",
		"Ñandú Ærø": "nandu ærø", "Σ 日本": "σ 日本"} {
		if got := notices.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestNoticeSearchFolds: the search ignores case and diacritics in SQL,
// so that a page of results and the count agree.
func TestNoticeSearchFolds(t *testing.T) {
	s, _ := openStore(t)
	addHamlets(t, s, "Khóm 1")
	ctx := context.Background()
	mk := func(title, body, cat, author string) int64 {
		n := notices.Notice{Title: title, Body: body, Category: cat, Author: author, Source: notices.SourceCLI}
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n.ID
	}
	bao := mk("Cơn bão số 9", "Bà con chằng chống nhà cửa.", "thời tiết", "bien")
	dien := mk("Lịch CẮT ĐIỆN khóm 2", "Điện lực cắt điện từ 7 giờ.", "điện nước", "duyet")
	mk("Họp dân", "Họp lúc 19 giờ.", "họp dân", "bien")
	for i := 0; i < 30; i++ {
		mk(fmt.Sprintf("Thu gom rác đợt %d", i), "Bỏ rác đúng giờ.", "môi trường", "bien")
	}
	search := func(q string, f notices.NoticeFilter) []int64 {
		t.Helper()
		f.Text = q
		ns, err := s.Notices(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, n := range ns {
			ids = append(ids, n.ID)
		}
		return ids
	}
	for _, q := range []string{"bao", "BÃO", "Bão", "bÃo số"} {
		if got := search(q, notices.NoticeFilter{}); len(got) != 1 || got[0] != bao {
			t.Errorf("search %q found %v; want [%d]", q, got, bao)
		}
	}
	for _, q := range []string{"cat dien", "cắt điện", "DIEN LUC"} {
		if got := search(q, notices.NoticeFilter{}); len(got) != 1 || got[0] != dien {
			t.Errorf("search %q found %v; want [%d]", q, got, dien)
		}
	}
	if got := search("%", notices.NoticeFilter{}); len(got) != 0 {
		t.Errorf("search %% found %v; want nothing (a LIKE wildcard is a plain character)", got)
	}
	// Pagination counts matches: 30 "rác" notices in pages of 20.
	f := notices.NoticeFilter{Text: "RAC", Limit: 20}
	total, err := s.CountNotices(ctx, f)
	if err != nil || total != 30 {
		t.Fatalf("count rac = %d, %v; want 30", total, err)
	}
	p1, p2 := search("rac", notices.NoticeFilter{Limit: 20}), search("rac", notices.NoticeFilter{Limit: 20, Offset: 20})
	if len(p1) != 20 || len(p2) != 10 || p1[19] <= p2[0] {
		t.Errorf("pages of rac: %d then %d (%v / %v); want 20 then 10, newest first", len(p1), len(p2), p1, p2)
	}
	// The other filters.
	if got := search("", notices.NoticeFilter{Author: "duyet"}); len(got) != 1 || got[0] != dien {
		t.Errorf("author duyet: %v", got)
	}
	if got := search("", notices.NoticeFilter{Category: "thời tiết"}); len(got) != 1 || got[0] != bao {
		t.Errorf("category thời tiết: %v", got)
	}
	if got := search("", notices.NoticeFilter{OldestFirst: true, Limit: 2}); len(got) != 2 || got[0] != bao {
		t.Errorf("oldest first: %v; want %d first", got, bao)
	}
	if got := search("", notices.NoticeFilter{Since: fixedNow.Add(time.Second)}); len(got) != 0 {
		t.Errorf("since after every creation: %v", got)
	}
	if got := search("", notices.NoticeFilter{Until: fixedNow.Add(time.Second), Kind: notices.KindNotice, Limit: 100}); len(got) != 33 {
		t.Errorf("until after every creation: %d notices; want 33", len(got))
	}
}
