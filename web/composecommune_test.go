package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// lastNotice is the notice a compose redirect went to.
func (p *province) composed(resp *http.Response, body string) *notices.Notice {
	p.t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("compose: %d\n%s", resp.StatusCode, body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/notices/"), 10, 64)
	if err != nil {
		p.t.Fatalf("compose went to %q", resp.Header.Get("Location"))
	}
	n, err := p.store.Notice(context.Background(), id)
	if err != nil {
		p.t.Fatal(err)
	}
	return n
}

// TestComposeCommunes: a commune's editor writes for their commune and
// chooses among its hamlets only; a province editor at toàn tỉnh writes a
// province notice for every commune, for chosen communes or for chosen
// hamlets across communes, and at a chosen commune writes that commune's;
// a commune's editor cannot make a follow-up of another commune's notice.
func TestComposeCommunes(t *testing.T) {
	p := newProvince(t)
	form := func(kv ...string) url.Values {
		v := url.Values{"title": {"Cảnh báo lũ"}, "body": {"Nước lên nhanh."}, "category": {"thiên tai"}, "priority": {"urgent"},
			"when": {"now"}, "kind": {"notice"}}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}

	b := p.signedIn("b-bien")
	page := b.mustGet("/compose")
	if !strings.Contains(page, `value="ap-b"`) || strings.Contains(page, `value="khom-2"`) || strings.Contains(page, "data-province") {
		t.Errorf("B's editor's compose page should offer B's hamlets only:\n%s", page)
	}
	n := p.composed(b.post("/compose", form("target_mode", "list", "targets", "ap-b")))
	if n.Commune != "xa-b" || strings.Join(n.Targets, ",") != "ap-b" {
		t.Errorf("B's editor's notice: commune %q targets %v", n.Commune, n.Targets)
	}
	// Khóm 2 is A's: not B's to choose.
	if resp, body := b.post("/compose", form("target_mode", "list", "targets", "khom-2")); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("B's editor targeting A's khom-2: %d\n%s", resp.StatusCode, body)
	}
	// A follow-up of A's notice, forged: not found.
	p.sendTo(p.noticeA, p.hamlet(p.a, "khom-1"))
	if resp, _ := b.get("/compose?refers_to=" + strconv.FormatInt(p.noticeA.ID, 10)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("B's editor GET a follow-up of A's notice: %d, want 404", resp.StatusCode)
	}
	f := form("kind", "update", "refers_to", strconv.FormatInt(p.noticeA.ID, 10), "target_mode", "all")
	f.Set("kind", "update")
	if resp, _ := b.post("/compose", f); resp.StatusCode != http.StatusNotFound {
		t.Errorf("B's editor POST a follow-up of A's notice: %d, want 404", resp.StatusCode)
	}

	pr := p.signedIn("tinh-bien")
	page = pr.mustGet("/compose")
	for _, s := range []string{"data-province", `name="communes" value="xa-b"`, `value="xa-b/ap-b"`, `value="xa/khom-2"`,
		"UBND xã Bình Hòa"} {
		if !strings.Contains(page, s) {
			t.Errorf("the province compose page lacks %q", s)
		}
	}
	for _, c := range []struct {
		form    url.Values
		targets string
	}{
		{form("target_mode", "all"), ""},
		{form("target_mode", "communes", "communes", "xa-b"), "xa-b"},
		{form("target_mode", "list", "targets", "xa/khom-2", "targets", "xa-b/ap-b"), "xa/khom-2,xa-b/ap-b"},
	} {
		n := p.composed(pr.post("/compose", c.form))
		if n.Commune != notices.Province || strings.Join(n.Targets, ",") != c.targets || n.Status != notices.StatusPending {
			t.Errorf("province notice: commune %q targets %v status %s; want %q", n.Commune, n.Targets, n.Status, c.targets)
		}
	}
	if resp, body := pr.post("/compose", form("target_mode", "communes")); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Hãy chọn ít nhất một xã") {
		t.Errorf("province notice to no commune: %d", resp.StatusCode)
	}
	// At a chosen commune: that commune's notice.
	pr.post("/scope", url.Values{"xa": {"xa"}, "back": {"/compose"}})
	page = pr.mustGet("/compose")
	if strings.Contains(page, "data-province") || !strings.Contains(page, `value="khom-2"`) || strings.Contains(page, `value="ap-b"`) {
		t.Errorf("province editor at xa: the compose page is not xa's:\n%s", page)
	}
	if n := p.composed(pr.post("/compose", form("target_mode", "all"))); n.Commune != "xa" {
		t.Errorf("province editor at xa wrote a notice of %q", n.Commune)
	}
}
