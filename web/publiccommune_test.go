package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// sendTo approves notice n and records it sent to the hamlets hs.
func (p *province) sendTo(n *notices.Notice, hs ...*notices.Hamlet) {
	p.t.Helper()
	ctx := context.Background()
	if err := p.store.ApproveNotice(ctx, n.ID, "test-approver", false); err != nil {
		p.t.Fatal(err)
	}
	now := p.clock.Now()
	var ts []notices.Target
	for _, h := range hs {
		ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID, CommuneID: h.CommuneID})
	}
	if _, err := p.store.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: ts, LastDueAt: now}); err != nil {
		p.t.Fatal(err)
	}
	jobs, err := p.store.ClaimJobs(ctx, now.Add(time.Minute), 100, 2)
	if err != nil {
		p.t.Fatal(err)
	}
	var rs []notices.Result
	for _, j := range jobs {
		rs = append(rs, notices.Result{ID: j.ID, Status: notices.DeliverySent, At: now, MessageID: "m" + j.GroupID})
	}
	if err := p.store.Record(ctx, rs); err != nil {
		p.t.Fatal(err)
	}
	p.clock.Add(time.Minute)
}

func (p *province) hamlet(commune *notices.Commune, code string) *notices.Hamlet {
	p.t.Helper()
	h, err := p.store.HamletInCommune(context.Background(), commune.ID, code)
	if err != nil {
		p.t.Fatal(err)
	}
	return h
}

// TestPublicPerCommune: the province's page lists every commune's sent
// notices naming each one's commune; a commune's page and feed list its
// own and the province's that reached it, never another commune's; each
// feed has its own stable id; an unknown or disabled commune is a 404 in
// the residents' layout.
func TestPublicPerCommune(t *testing.T) {
	p := newProvince(t)
	ctx := context.Background()
	p.sendTo(p.noticeA, p.hamlet(p.a, "khom-1"))
	p.sendTo(p.noticeB, p.hamlet(p.b, "ap-b"))
	p.sendTo(p.provinceAll, p.hamlet(p.a, "khom-2"), p.hamlet(p.b, "ap-b"))
	p.sendTo(p.provinceB, p.hamlet(p.b, "khom-1"))
	anon := p.browser()

	for _, c := range []struct {
		path      string
		want, not []string
	}{
		{"/public", []string{"Tin riêng xã A", "Tin riêng xã B", "Tin cả tỉnh", "Tin tỉnh cho xã B",
			`<strong class="commune">UBND xã Bình Hòa</strong>`, `<strong class="commune">Cả tỉnh</strong>`,
			`href="/public/c/xa-b"`, `href="/public/c/xa"`}, []string{`name="hamlet"`}},
		{"/public/c/xa", []string{"Tin riêng xã A", "Tin cả tỉnh", `action="/public/c/xa"`, "Khóm 2"},
			[]string{"Tin riêng xã B", "Tin tỉnh cho xã B", "Ấp Bình", `class="commune"`}},
		{"/public/c/xa-b", []string{"Thông báo của UBND xã Bình Hòa", "Tin riêng xã B", "Tin cả tỉnh", "Tin tỉnh cho xã B",
			`href="/public/c/xa-b/feed.atom"`}, []string{"Tin riêng xã A"}},
		{"/public/c/xa-b?hamlet=ap-b", []string{"Tin riêng xã B", "Tin cả tỉnh"}, []string{"Tin tỉnh cho xã B", "Tin riêng xã A"}},
		{"/public/c/xa-b/feed.atom", []string{"<title>Thông báo của UBND xã Bình Hòa</title>", "Tin riêng xã B", "Tin cả tỉnh",
			`href="/public/c/xa-b/feed.atom"`}, []string{"Tin riêng xã A"}},
		{"/public/feed.atom", []string{"Tin riêng xã A", "Tin riêng xã B", "Tin cả tỉnh (Cả tỉnh)"}, nil},
	} {
		resp, body := anon.get(c.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", c.path, resp.StatusCode, body)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(body, s) {
				t.Errorf("GET %s: %q missing", c.path, s)
			}
		}
		for _, s := range c.not {
			if strings.Contains(body, s) {
				t.Errorf("GET %s: shows %q", c.path, s)
			}
		}
	}

	// Each feed its own id, the same at every fetch; an entry keeps its id
	// from feed to feed.
	ids := map[string]string{}
	entry := map[string][]string{}
	for _, path := range []string{"/public/feed.atom", "/public/c/xa/feed.atom", "/public/c/xa-b/feed.atom"} {
		_, body := anon.get(path)
		id, es := feedIDs(t, body)
		_, again := anon.get(path)
		if id2, _ := feedIDs(t, again); id2 != id {
			t.Errorf("%s: id %q then %q", path, id, id2)
		}
		for other, oid := range ids {
			if oid == id {
				t.Errorf("%s and %s share the feed id %q", path, other, id)
			}
		}
		ids[path], entry[path] = id, es
	}
	common := func(a, b []string) int {
		n := 0
		for _, x := range a {
			for _, y := range b {
				if x == y {
					n++
				}
			}
		}
		return n
	}
	if common(entry["/public/c/xa/feed.atom"], entry["/public/c/xa-b/feed.atom"]) != 1 {
		t.Errorf("the province notice should be the one entry, with one id, in both communes' feeds: %v / %v",
			entry["/public/c/xa/feed.atom"], entry["/public/c/xa-b/feed.atom"])
	}

	// Unknown, another commune's hamlet, disabled: 404 in the residents' layout.
	if err := p.store.SetCommuneActive(ctx, "test", "xa-b", false); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/public/c/khong-co", "/public/c/khong-co/feed.atom", "/public/c/xa?hamlet=ap-b",
		"/public/c/xa-b", "/public/c/xa-b/feed.atom", "/public/c/XA"} {
		resp, body := anon.get(path)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `<body class="public">`) ||
			strings.Contains(body, "/dashboard") {
			t.Errorf("GET %s: %d, want 404 in the residents' layout\n%s", path, resp.StatusCode, body)
		}
	}
	// A staff member's browser gets the same residents' 404.
	if resp, body := p.signedIn("tinh-quantri").get("/public/c/xa-b"); resp.StatusCode != http.StatusNotFound ||
		strings.Contains(body, "tinh-quantri") {
		t.Errorf("signed in, GET /public/c/xa-b (disabled): %d", resp.StatusCode)
	}
}

// TestPublicOneCommune: with one commune there is no commune page, and
// /public is as before (its hamlet filter, no commune names).
func TestPublicOneCommune(t *testing.T) {
	s := newSite(t)
	n := s.notice(notices.Notice{Title: "Tin một xã", Priority: notices.Normal, Status: notices.StatusApproved})
	s.send(n.ID, notices.DeliverySent)
	anon := s.browser()
	resp, body := anon.get("/public")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Tin một xã") || !strings.Contains(body, `name="hamlet"`) ||
		strings.Contains(body, `class="commune"`) || strings.Contains(body, "/public/c/") {
		t.Errorf("/public with one commune: %d\n%s", resp.StatusCode, body)
	}
	for _, path := range []string{"/public/c/xa", "/public/c/xa/feed.atom"} {
		if resp, _ := anon.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with one commune: %d, want 404", path, resp.StatusCode)
		}
	}
}

// A province notice on a commune's public page names that commune's
// hamlets only, even where another commune has a hamlet of the same name;
// on the province's page each hamlet is followed by its commune, and the
// page and its feed carry LOAXA_PROVINCE's name.
func TestPublicProvinceNoticeNamesEachCommunesHamlets(t *testing.T) {
	p := newProvince(t, func(c *web.Config) { c.Province = "UBND tỉnh An Giang" })
	ctx := context.Background()
	same := notices.Hamlet{Commune: "xa-b", Code: "khom-2b", Name: "Khóm 2", GroupID: "gb3"} // as A's khom-2
	if err := p.store.CreateHamlet(ctx, "test", &same); err != nil {
		t.Fatal(err)
	}
	p.sendTo(p.provinceHamlt, p.hamlet(p.a, "khom-2"), p.hamlet(p.b, "ap-b"))
	anon := p.browser()
	_, body := anon.get("/public/c/xa-b")
	i := strings.Index(body, "Tin tỉnh cho hai ấp")
	if i < 0 {
		t.Fatalf("B's page does not list the province notice that reached its Ấp Bình")
	}
	item := body[i:]
	if j := strings.Index(item, "</li>"); j >= 0 {
		item = item[:j]
	}
	if !strings.Contains(item, "Ấp Bình") || strings.Contains(item, "Khóm 2") {
		t.Errorf("B's page names the wrong hamlets for the province notice (B's Khóm 2 never got it):\n%s", item)
	}
	_, body = anon.get("/public")
	if !strings.Contains(body, "Ấp Bình (xã Bình Hòa)") {
		t.Errorf("the province's page does not name each hamlet's commune")
	}
	if !strings.Contains(body, "<title>Thông báo của UBND tỉnh An Giang") {
		t.Errorf("the province's page is not titled with LOAXA_PROVINCE")
	}
	_, body = anon.get("/public/feed.atom")
	if !strings.Contains(body, "<title>Thông báo của UBND tỉnh An Giang</title>") {
		t.Errorf("the province's feed is not titled with LOAXA_PROVINCE:\n%.600s", body)
	}
}

// A province notice's page, looked at for the whole province, follows each
// hamlet with its commune (two communes may each have a «Khóm 1»); looked
// at for one commune it lists that commune's hamlets, unmarked.
func TestProvinceNoticeNamesHamletsWithTheirCommune(t *testing.T) {
	p := newProvince(t)
	p.sendTo(p.provinceHamlt, p.hamlet(p.a, "khom-2"), p.hamlet(p.b, "ap-b"))
	id := strconv.FormatInt(p.provinceHamlt.ID, 10)
	pr := p.signedIn("tinh-quantri")
	if _, body := pr.get("/notices/" + id); !strings.Contains(body, "Ấp Bình (xã Bình Hòa)") {
		t.Errorf("at «Toàn tỉnh» the notice's hamlets do not say their commune")
	}
	// The per-hamlet progress, as the page's script reads it.
	_, body := p.signedIn("b-bien").get("/notices/" + id + "/progress.json")
	if !strings.Contains(body, `"name":"Ấp Bình"`) || strings.Contains(body, "Khóm 2") {
		t.Errorf("B's staff see other communes' hamlets, or B's marked with its commune: %s", body)
	}
	if _, body := pr.get("/notices/" + id + "/progress.json"); !strings.Contains(body, `"name":"Khóm 2 (xã)"`) {
		t.Errorf("at «Toàn tỉnh» the progress does not say each hamlet's commune: %s", body)
	}
}
