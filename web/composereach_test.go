package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestComposeProvinceReachesNoOne: the site refuses, as the command line
// does (the rule is the notices package's), a province notice whose
// chosen communes are all disabled: 422 with the reason, nothing written.
func TestComposeProvinceReachesNoOne(t *testing.T) {
	p := newProvince(t)
	ctx := context.Background()
	if err := p.store.SetCommuneActive(ctx, "test", "xa-b", false); err != nil {
		t.Fatal(err)
	}
	before, err := p.store.CountNotices(ctx, notices.NoticeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	pr := p.signedIn("tinh-bien")
	resp, body := pr.post("/compose", url.Values{"title": {"Cảnh báo lũ"}, "body": {"Nước lên nhanh."}, "category": {"thiên tai"},
		"priority": {"urgent"}, "when": {"now"}, "kind": {"notice"}, "target_mode": {"communes"}, "communes": {"xa-b"}})
	if want := `UBND xã Bình Hòa (xa-b) đang tắt`; resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), want) {
		t.Errorf("province notice to a disabled commune = %d; want 422 saying %q:\n%s", resp.StatusCode, want, body)
	}
	if after, _ := p.store.CountNotices(ctx, notices.NoticeFilter{}); after != before {
		t.Errorf("refused, yet %d notices written", after-before)
	}
}
