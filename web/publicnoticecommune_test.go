package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// TestPublicNoticePageNamesItsSigner: with several communes a notice's
// public page is headed with the name its messages were signed with (its
// commune's, or LOAXA_PROVINCE's for a province notice), never
// LOAXA_COMMUNE for all, and links to that page's list and feed; a
// province notice's hamlets each say their commune. With one commune the
// page is as before (probe6 F6).
func TestPublicNoticePageNamesItsSigner(t *testing.T) {
	p := newProvince(t, func(c *web.Config) { c.Province = "UBND tỉnh An Giang" })
	p.sendTo(p.noticeB, p.hamlet(p.b, "ap-b"))
	p.sendTo(p.provinceHamlt, p.hamlet(p.a, "khom-2"), p.hamlet(p.b, "ap-b"))
	anon := p.browser()
	for _, c := range []struct {
		n         *notices.Notice
		want, not []string
	}{
		{p.noticeB, []string{`📢 UBND xã Bình Hòa</a>`, `href="/public/c/xa-b/feed.atom"`, `<a href="/public/c/xa-b">← Tất cả thông báo`,
			"Ấp Bình"}, []string{"UBND xã Thử Nghiệm", "UBND tỉnh", "Ấp Bình ("}},
		{p.provinceHamlt, []string{`📢 UBND tỉnh An Giang</a>`, `href="/public/feed.atom"`, `<a href="/public">← Tất cả thông báo`,
			"Khóm 2 (" + strings.TrimPrefix(p.a.Name, "UBND ") + ")", "Ấp Bình (xã Bình Hòa)"}, []string{"UBND xã Thử Nghiệm"}},
	} {
		path := "/public/notices/" + strconv.FormatInt(c.n.ID, 10)
		resp, body := anon.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		for _, s := range c.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s («%s») lacks %q\n%s", path, c.n.Title, s, body)
			}
		}
		for _, s := range c.not {
			if strings.Contains(body, s) {
				t.Errorf("%s («%s») shows %q", path, c.n.Title, s)
			}
		}
	}

	one := newSite(t)
	n := one.notice(notices.Notice{Title: "Tin một xã", Priority: notices.Normal, Status: notices.StatusApproved})
	one.send(n.ID, notices.DeliverySent)
	_, body := one.browser().get("/public/notices/" + strconv.FormatInt(n.ID, 10))
	for _, s := range []string{`📢 UBND xã Thử Nghiệm</a>`, `href="/public/feed.atom"`, `<a href="/public">← Tất cả thông báo`, "Khóm 1"} {
		if !strings.Contains(body, s) {
			t.Errorf("one commune: the notice's page lacks %q\n%s", s, body)
		}
	}
	if strings.Contains(body, "Khóm 1 (") {
		t.Error("one commune: the notice's hamlets are followed by a commune")
	}
}
