package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

func TestZaloConnect(t *testing.T) {
	s := newSite(t, func(c *web.Config) { c.BaseURL = "https://loaxa.example.vn" })
	s.zalo.health.Connected = false
	b := s.signedIn("quantri")
	resp, body := b.get("/zalo")
	if !strings.Contains(body, "Kết nối Zalo OA") || !strings.Contains(body, "https://loaxa.example.vn/zalo/callback") {
		t.Errorf("Zalo page lacks the button or the callback URL")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://oauth.zalo.test") {
		t.Errorf("Zalo page CSP %q does not let the form go on to Zalo", csp)
	}
	resp, _ = b.post("/zalo/connect", nil)
	to, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || to.Host != "oauth.zalo.test" {
		t.Fatalf("connect = %d to %q; want 303 to Zalo", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := to.Query()
	state, challenge := q.Get("state"), q.Get("code_challenge")
	if state == "" || len(challenge) != 43 || q.Get("redirect_uri") != "https://loaxa.example.vn/zalo/callback" {
		t.Fatalf("authorisation URL %s", to)
	}
	// A forged state is refused; the real one works once.
	b.get("/zalo/callback?code=abc&state=forged")
	if len(s.zalo.codes) != 0 {
		t.Fatalf("a forged state exchanged a code")
	}
	resp, _ = b.get("/zalo/callback?code=abc&oa_id=1&state=" + url.QueryEscape(state))
	if resp.StatusCode != http.StatusSeeOther || len(s.zalo.codes) != 1 || s.zalo.reloaded != 1 {
		t.Fatalf("callback = %d, codes %v, reloaded %d", resp.StatusCode, s.zalo.codes, s.zalo.reloaded)
	}
	verifier := strings.TrimPrefix(s.zalo.codes[0], "abc ")
	if len(verifier) != 43 {
		t.Errorf("exchanged with verifier %q", verifier)
	}
	_, body = b.get("/zalo")
	if !strings.Contains(body, "Đã kết nối Zalo OA") {
		t.Errorf("no confirmation after connecting")
	}
	b.get("/zalo/callback?code=abc&state=" + url.QueryEscape(state))
	if len(s.zalo.codes) != 1 {
		t.Errorf("a used state exchanged a code again")
	}
	es, _ := s.store.Audit(context.Background(), notices.AuditFilter{Action: "zalo."})
	if len(es) < 2 {
		t.Errorf("audit has %d zalo entries; want the start and the connection", len(es))
	}
}

func TestBanner(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("bien")
	if _, body := b.get("/dashboard"); strings.Contains(body, `class="banner"`) {
		t.Errorf("banner shown while healthy")
	}
	s.zalo.health.LastError = "refresh failed: -14002"
	if _, body := b.get("/dashboard"); !strings.Contains(body, "sắp hết hạn") || !strings.Contains(body, "Kết nối Zalo OA") {
		t.Errorf("no banner for a token lapsing within 24 h that failed to refresh")
	}
	s.zalo.health = s.zalo.Health()
	s.zalo.health.LastError = ""
	s.zalo.health.Connected = false
	if _, body := b.get("/compose"); !strings.Contains(body, "Chưa kết nối Zalo OA") || !strings.Contains(body, "loaxa zalo connect") {
		t.Errorf("no banner with the step to connect when never connected")
	}
	s.zalo.health.Refused = true
	if _, body := b.get("/compose"); !strings.Contains(body, "Mất kết nối Zalo OA") || !strings.Contains(body, "loaxa zalo connect") {
		t.Errorf("no banner with the step to reconnect when disconnected")
	}
	if _, body := b.get("/public"); strings.Contains(body, `class="banner"`) {
		t.Errorf("residents see the staff banner")
	}
}

func TestDashboardAndProgress(t *testing.T) {
	s := newSite(t)
	pending := s.notice(notices.Notice{Title: "Chờ duyệt đây", Author: "tacgia"})
	failed := s.notice(notices.Notice{Title: "Có lỗi", Author: "tacgia", Status: notices.StatusApproved})
	s.send(failed.ID, notices.DeliverySent, notices.DeliveryFailed)
	later := s.notice(notices.Notice{Title: "Hẹn mai", Author: "tacgia", Status: notices.StatusApproved,
		PublishAt: s.clock.Now().Add(24 * time.Hour)})
	b := s.signedIn("duyet")
	_, body := b.get("/dashboard")
	for _, want := range []string{pending.Title, "1 tin gửi lỗi", later.Title, "Thứ Bảy, 28/11/2026 08:00", "Gửi gần đây"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	_, js := b.get("/dashboard/progress.json?ids=" + strconv.FormatInt(failed.ID, 10))
	var p struct {
		Notices []struct {
			ID      int64 `json:"id"`
			Sent    int   `json:"sent"`
			Total   int   `json:"total"`
			Hamlets []struct {
				Code, State, Label, Error string
			} `json:"hamlets"`
		} `json:"notices"`
	}
	if err := json.Unmarshal([]byte(js), &p); err != nil || len(p.Notices) != 1 {
		t.Fatalf("progress.json: %v\n%s", err, js)
	}
	n := p.Notices[0]
	if n.Sent != 1 || n.Total != 2 || n.Hamlets[0].Label != "đã gửi" || n.Hamlets[1].State != "failed" ||
		!strings.Contains(n.Hamlets[1].Error, "OA không còn") {
		t.Errorf("progress %+v", n)
	}
	// Retry one hamlet from the notice page.
	hs, _ := s.store.Hamlets(context.Background())
	resp, _ := b.post("/notices/"+strconv.FormatInt(failed.ID, 10)+"/retry", url.Values{"hamlet": {strconv.FormatInt(hs[1].ID, 10)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry = %d", resp.StatusCode)
	}
	hds, _ := s.store.NoticeDeliveries(context.Background(), failed.ID)
	if hds[1].State() != notices.DeliveryRetry {
		t.Errorf("after retry: %s; want retry", hds[1].State())
	}
	// Rejecting needs a reason, shown to the author.
	b.post("/notices/"+strconv.FormatInt(pending.ID, 10)+"/reject", url.Values{"reason": {""}})
	if n, _ := s.store.Notice(context.Background(), pending.ID); n.Status != notices.StatusPending {
		t.Errorf("rejected without a reason")
	}
	b.post("/notices/"+strconv.FormatInt(pending.ID, 10)+"/reject", url.Values{"reason": {"Sai ngày họp"}})
	_, body = s.signedIn("tacgia").get("/notices/" + strconv.FormatInt(pending.ID, 10))
	if !strings.Contains(body, "Sai ngày họp") || !strings.Contains(body, "bị từ chối") {
		t.Errorf("the author does not see the rejection and its reason")
	}
}

func TestHamletsUsersAudit(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	b := s.signedIn("quantri")
	resp, _ := b.post("/hamlets/sync", nil)
	_, body := b.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "thêm 1 thôn/ấp mới, 1 đã có") || !strings.Contains(body, "Không thấy nhóm của: Khóm 2") {
		t.Errorf("sync result not shown")
	}
	if h, err := s.store.HamletByCode(ctx, "ap-moi"); err != nil || h.GroupID != "g3" {
		t.Errorf("synced hamlet: %+v, %v", h, err)
	}
	// Duplicate group id: the error sits beside the field, input kept.
	resp, body = b.post("/hamlets", url.Values{"name": {"Ấp Trùng"}, "group_id": {"g1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "đã gắn với") || !strings.Contains(body, `value="Ấp Trùng"`) {
		t.Errorf("duplicate group: %d", resp.StatusCode)
	}
	b.post("/hamlets/khom-2/active", url.Values{"active": {"0"}})
	if h, _ := s.store.HamletByCode(ctx, "khom-2"); h.Active {
		t.Errorf("hamlet not turned off")
	}
	// Weak passwords are refused; a strong one works and the user can sign in.
	resp, body = b.post("/users", url.Values{"username": {"lan"}, "role": {"approver"}, "password": {"matkhau12345"}, "password2": {"matkhau12345"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "quá phổ biến") || !strings.Contains(body, `value="lan"`) {
		t.Errorf("weak password: %d", resp.StatusCode)
	}
	b.post("/users", url.Values{"username": {"lan"}, "display_name": {"Chị Lan"}, "role": {"approver"}, "password": {password}, "password2": {password}})
	lan := s.signedIn("lan")
	if _, body := lan.get("/audit"); !strings.Contains(body, "Nhật ký") {
		t.Errorf("the new approver cannot read the audit log")
	}
	// Resetting a password ends the account's sessions; disabling too.
	b.post("/users/lan/password", url.Values{"password": {"trời nắng chang chang"}, "password2": {"trời nắng chang chang"}})
	if resp, _ := lan.get("/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("session survived a password reset")
	}
	b.post("/users/lan/active", url.Values{"active": {"0"}})
	if u, _ := s.store.UserByName(ctx, "lan"); u.Active {
		t.Errorf("user not disabled")
	}
	if resp, _ := b.post("/users/quantri/active", url.Values{"active": {"0"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("self-disable = %d", resp.StatusCode)
	}
	if u, _ := s.store.UserByName(ctx, "quantri"); !u.Active {
		t.Errorf("an admin disabled themselves")
	}
	// The audit log filters.
	_, body = b.get("/audit?actor=quantri&action=hamlet.disable")
	if !strings.Contains(body, `<td data-label="Việc">tắt thôn/ấp</td>`) || strings.Contains(body, `<td data-label="Việc">thêm tài khoản</td>`) {
		t.Errorf("audit filter by actor and action")
	}
	_, body = b.get("/audit?action=user.&from=2026-11-27&to=2026-11-27")
	if !strings.Contains(body, `<td data-label="Việc">thêm tài khoản</td>`) || strings.Contains(body, `<td data-label="Việc">tắt thôn/ấp</td>`) {
		t.Errorf("audit filter by action prefix and dates")
	}
	if _, body = b.get("/audit?from=2026-11-28"); !strings.Contains(body, "Không có mục nào") {
		t.Errorf("audit filter by a later date shows entries")
	}
	if resp, body := b.get("/audit?notice=abc"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "phải là một số") {
		t.Errorf("audit filter with a bad notice number = %d", resp.StatusCode)
	}
}
