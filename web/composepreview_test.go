package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/web"
)

// TestComposeLivePreviewSigned: the compose page's live preview (POST
// /compose/preview, the script's fetch with the X-CSRF-Token header) is
// open to a province editor: at toàn tỉnh their notice is the province's
// and its preview is signed with LOAXA_PROVINCE; a commune editor's is
// signed with their commune's name. Without the page's CSRF token the
// answer is 403 for everyone, province or commune (probe6 F12: the
// tester's 403 was a POST without the token).
func TestComposeLivePreviewSigned(t *testing.T) {
	p := newProvince(t, func(c *web.Config) { c.Province = "UBND tỉnh Thử" })
	form := url.Values{"title": {"Cảnh báo lũ"}, "body": {"Nước lên nhanh."}, "priority": {"urgent"}, "when": {"now"},
		"kind": {"notice"}, "target_mode": {"all"}}
	for _, c := range []struct{ user, want, not string }{
		{"tinh-bien", "— UBND tỉnh Thử", "UBND xã"},
		{"b-bien", "— UBND xã Bình Hòa", "UBND tỉnh"},
		{"bien", "— " + p.a.Name, "UBND tỉnh"}, // commune xa, named by the store's default
	} {
		b := p.signedIn(c.user)
		b.mustGet("/compose") // the page whose hidden csrf_token the script sends
		send := func(token string) (*http.Response, string) {
			req, _ := http.NewRequest(http.MethodPost, p.srv.URL+"/compose/preview", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if token != "" {
				req.Header.Set("X-CSRF-Token", token)
			}
			return b.do(req)
		}
		resp, body := send(b.csrf)
		var got struct {
			Parts  []string `json:"parts"`
			Header string   `json:"header"`
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s POST /compose/preview with the page's token: %d; want 200\n%s", c.user, resp.StatusCode, body)
			continue
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Parts) != 1 {
			t.Fatalf("%s's preview: %v, %q; want one part", c.user, err, body)
		}
		if !strings.HasSuffix(got.Parts[0], c.want) || strings.Contains(got.Parts[0], c.not) {
			t.Errorf("%s's preview =\n%s\nwant it signed %q, without %q", c.user, got.Parts[0], c.want, c.not)
		}
		if got.Header != "🚨 KHẨN CẤP" {
			t.Errorf("%s's preview header = %q; want 🚨 KHẨN CẤP", c.user, got.Header)
		}
		if resp, body := send(""); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "thiếu mã chống giả mạo") {
			t.Errorf("%s POST /compose/preview without a token: %d; want 403 naming the missing token\n%s", c.user, resp.StatusCode, body)
		}
	}
}
