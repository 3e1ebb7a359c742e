package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/web"
)

// TestComposePreviewFooter: with several communes, the compose page's
// preview («as the group will see it») is signed as the daemon will sign
// it: a commune's notice with that commune's name, never LOAXA_COMMUNE
// for all (probe5 F12).
func TestComposePreviewFooter(t *testing.T) {
	p := newProvince(t, func(c *web.Config) { c.Province = "UBND tỉnh Thử" })
	form := url.Values{"title": {"Cảnh báo lũ"}, "body": {"Nước lên nhanh."}, "priority": {"urgent"}, "when": {"now"},
		"kind": {"notice"}, "target_mode": {"all"}, "action": {"preview"}}
	for _, c := range []struct{ user, want, not string }{
		{"b-bien", "— UBND xã Bình Hòa", "— UBND xã Thử Nghiệm"},
	} {
		b := p.signedIn(c.user)
		b.mustGet("/compose")
		resp, body := b.post("/compose", form)
		if resp.StatusCode != 200 || !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("%s's compose preview: %d; want it signed %q, not %q\n%s", c.user, resp.StatusCode, c.want, c.not, body)
		}
	}
}
