package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/web"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// lateClient is a Zalo client given to web.New before it is built: the
// commune's token store needs the site's database.
type lateClient struct{ *bot.Client }

// simProvince is newProvince on the multi-OA simulator over HTTP: commune
// A ("xa") on OA A, connected; commune B ("xa-b") on OA B, not connected
// yet. Each commune's client is a client of one bot.App on that commune's
// own token store, given to the site by Config.ZaloFor as cmd does; the
// site's one client (what a commune without ZaloFor would use) is A's, so
// that anything sent through the wrong OA meets the simulator's -403.
type simProvince struct {
	*province
	sim      *zalosimtest.Server
	oaA, oaB zalosim.OA
	clients  map[int64]*bot.Client
}

func newSimProvince(t *testing.T) *simProvince {
	t.Helper()
	oaA := zalosim.OA{ID: "4100000000000000001", Name: "UBND xã A", Groups: []zalosim.Group{
		{ID: "g1", Name: "Khóm 1"}, {ID: "g2", Name: "Khóm 2"}, {ID: "ga3", Name: "Ấp Mới A"}}}
	oaB := zalosim.OA{ID: "4100000000000000002", Name: "UBND xã Bình Hòa", Groups: []zalosim.Group{
		{ID: "gb1", Name: "Khóm Một B"}, {ID: "gb2", Name: "Ấp Bình"}, {ID: "gb3", Name: "Ấp Mới B", Members: 41}}}
	sim := zalosimtest.New(t, zalosim.WithOAs(oaA, oaB))
	sp := &simProvince{sim: sim, oaA: oaA, oaB: oaB, clients: map[int64]*bot.Client{}}
	site := &lateClient{}
	sp.province = newProvinceOn(t, site, func(c *web.Config) {
		c.Province = "UBND tỉnh An Giang"
		c.ZaloFor = func(id int64) web.Zalo {
			if cl, ok := sp.clients[id]; ok {
				return cl
			}
			return nil
		}
		c.CheckGroup = func(ctx context.Context, commune int64, groupID string) (notices.GroupFacts, string) {
			cl, ok := sp.clients[commune]
			if !ok {
				cl = site.Client
			}
			r := schedule.CheckGroup(ctx, cl, groupID, time.Now(), hcm)
			return r.Facts, r.Refused
		}
	})
	ctx := context.Background()
	app := bot.NewApp(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, zerolog.Nop())
	for _, c := range []*notices.Commune{sp.a, sp.b} {
		cl, err := app.Client(c.Code, sp.store.CommuneTokens(c.ID), 0)
		if err != nil {
			t.Fatal(err)
		}
		sp.clients[c.ID] = cl
	}
	a := sim.OA(t, oaA.ID)
	if err := sp.store.CommuneTokens(sp.a.ID).SaveZaloTokens(ctx, a.AccessToken, a.RefreshToken, time.Now().Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, cl := range sp.clients {
		_ = cl.Reload(ctx) // B has no tokens: not connected
	}
	site.Client = sp.clients[sp.a.ID]
	return sp
}

// connect runs the OAuth flow of b's page for commune code up to Zalo's
// redirect back: it returns the callback's path and query, after the
// simulator's OA oaID granted the app.
func (sp *simProvince) authorise(b *browser, code, oaID string) string {
	t := b.t
	t.Helper()
	resp, body := b.post("/zalo/connect?xa="+code, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), sp.sim.URL+"/v4/oa/permission") {
		t.Fatalf("connect %s: %d to %q\n%.300s", code, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	nc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	zresp, err := nc.Get(resp.Header.Get("Location") + "&auto=1&oa_id=" + oaID)
	if err != nil {
		t.Fatal(err)
	}
	zresp.Body.Close()
	back, err := url.Parse(zresp.Header.Get("Location"))
	if zresp.StatusCode != http.StatusFound || err != nil || back.Path != "/zalo/callback" || back.Query().Get("code") == "" {
		t.Fatalf("Zalo's page: %d to %q", zresp.StatusCode, zresp.Header.Get("Location"))
	}
	return back.RequestURI()
}

// TestZaloConnectCommuneB: with commune A connected, a province admin
// sees both communes on /zalo (B not connected, named in the banner), runs
// the OAuth flow for B against the simulator over HTTP, and the callback
// stores the pair in B's token store alone and reconnects B's client: a
// test send to B's test group then goes out through B's OA, and A's pair
// is untouched.
func TestZaloConnectCommuneB(t *testing.T) {
	sp := newSimProvince(t)
	ctx := context.Background()
	aBefore, _, _, _ := sp.store.CommuneTokens(sp.a.ID).LoadZaloTokens(ctx)
	admin := sp.signedIn("tinh-quantri")
	_, page := admin.get("/zalo")
	for _, want := range []string{`data-zalo-commune="xa"`, `data-zalo-commune="xa-b"`, "chưa kết nối", "đang kết nối",
		`action="/zalo/connect?xa=xa-b"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the province's /zalo lacks %q", want)
		}
	}
	if banner := bannerOf(page); !strings.Contains(banner, "UBND xã Bình Hòa (chưa kết nối)") || strings.Contains(banner, "UBND xã Thử") ||
		!strings.Contains(banner, "loaxa zalo connect --commune xa-b") || strings.Contains(banner, "MÃ_XÃ") {
		t.Errorf("the province banner = %q; want commune B named, alone, with its command", banner)
	}
	// B was never connected (F18): not "lost".
	if _, page := sp.signedIn("b-bien").get("/dashboard"); !strings.Contains(bannerOf(page), "Chưa kết nối Zalo OA của UBND xã Bình Hòa") ||
		!strings.Contains(bannerOf(page), "--commune xa-b") {
		t.Errorf("B's editor sees the banner %q; want B not connected yet, with B's command", bannerOf(page))
	}
	if _, page := sp.signedIn("bien").get("/dashboard"); bannerOf(page) != "" {
		t.Errorf("A's editor sees the banner %q; A is connected", bannerOf(page))
	}

	resp, body := admin.get(sp.authorise(admin, "xa-b", sp.oaB.ID))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/zalo?xa=xa-b" {
		t.Fatalf("callback: %d to %q\n%.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, page = admin.get("/zalo?xa=xa-b")
	if !strings.Contains(page, "Đã kết nối Zalo OA của UBND xã Bình Hòa") || !strings.Contains(page, "đang kết nối") {
		t.Errorf("B's page after connecting:\n%s", page)
	}
	if !sp.clients[sp.b.ID].Health().Connected {
		t.Fatal("B's client is not connected after the callback")
	}
	cur, _ := sp.sim.OACredentials(sp.oaB.ID)
	if _, r, _, _ := sp.store.CommuneTokens(sp.b.ID).LoadZaloTokens(ctx); r == "" || r != cur.RefreshToken {
		t.Errorf("B's stored refresh token %q; want OA B's issued %q", r, cur.RefreshToken)
	}
	if a, _, _, _ := sp.store.CommuneTokens(sp.a.ID).LoadZaloTokens(ctx); a != aBefore {
		t.Errorf("A's pair changed: %q → %q", aBefore, a)
	}
	if _, page := sp.signedIn("tinh-bien").get("/dashboard"); bannerOf(page) != "" {
		t.Errorf("after B connected the province banner is %q", bannerOf(page))
	}
	es, _ := sp.store.Audit(ctx, notices.AuditFilter{Action: "zalo.connect", CommuneID: sp.b.ID})
	if len(es) != 1 || !strings.Contains(es[0].Detail, sp.oaB.ID) {
		t.Errorf("B's audit log has %+v; want the connection of OA B", es)
	}

	// Connecting A to B's OA (the wrong OA picked on Zalo's page) is
	// refused before the code is spent: A keeps its pair, B stays
	// connected, and the page names the OA's commune.
	exchanges := func() int {
		for _, st := range sp.sim.OAStats() {
			if st.OAID == sp.oaB.ID {
				return st.CodeExchanges
			}
		}
		return -1
	}
	before := exchanges()
	resp, _ = admin.get(sp.authorise(admin, "xa", sp.oaB.ID))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/zalo?xa=xa" {
		t.Fatalf("A on B's OA: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := admin.get("/zalo?xa=xa"); !strings.Contains(page, "Chưa kết nối: Official Account số "+sp.oaB.ID+
		" đã được kết nối cho UBND xã Bình Hòa") {
		t.Errorf("A on B's OA: the page says %s", flashOf(page))
	}
	if a, _, _, _ := sp.store.CommuneTokens(sp.a.ID).LoadZaloTokens(ctx); a != aBefore || exchanges() != before ||
		!sp.clients[sp.b.ID].Health().Connected {
		t.Errorf("A on B's OA: A's pair changed %v, B's OA exchanged %d codes more, B connected %v", a != aBefore,
			exchanges()-before, sp.clients[sp.b.ID].Health().Connected)
	}

	// A send through B's OA: B's notice, with its image, to B's test group.
	markTest(t, sp.province, sp.b, "ap-b")
	sendTest(t, sp.signedIn("b-bien"), sp.noticeB, "ap-b", "Zalo đã nhận 1/1 phần")
	if ms := sp.sim.Messages("gb2"); len(ms) != 1 || ms[0].AttachmentID == "" {
		t.Errorf("B's test group got %+v; want the image message", ms)
	}
}

// bannerOf is the text of the page's alarm banner, "" without one.
func bannerOf(page string) string {
	i := strings.Index(page, `<div class="banner"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], "</div>")
	return page[i : i+j]
}

func markTest(t *testing.T, p *province, c *notices.Commune, code string) {
	t.Helper()
	h, err := p.store.HamletInCommune(context.Background(), c.ID, code)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.store.SetStaffTestID(context.Background(), h.ID, true, "test"); err != nil {
		t.Fatal(err)
	}
}

// sendTest test-sends n to hamlet as b and fails unless the flash says want.
func sendTest(t *testing.T, b *browser, n *notices.Notice, hamlet, want string) {
	t.Helper()
	id := "/notices/" + strconv.FormatInt(n.ID, 10)
	b.get(id)
	if resp, body := b.post(id+"/test", url.Values{"hamlet": {hamlet}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("test send of %q: %d\n%.300s", n.Title, resp.StatusCode, body)
	}
	if _, page := b.get(id); !strings.Contains(page, want) {
		t.Errorf("test send of %q to %s: the page does not say %q:\n%s", n.Title, hamlet, want, flashOf(page))
	}
}

// flashOf is the page's flash message, for failure reports.
func flashOf(page string) string {
	for _, mark := range []string{`class="flash`, `role="status"`} {
		if i := strings.Index(page, mark); i >= 0 {
			return page[i:min(len(page), i+600)]
		}
	}
	return "(no flash)"
}

// TestZaloCommuneAdminScope: a commune's admin sees their own commune's
// connection only; another commune's page, connection start and callback
// are 404 — the callback's commune comes from the state row, and a state
// another commune's flow saved is spent, not used.
func TestZaloCommuneAdminScope(t *testing.T) {
	sp := newSimProvince(t)
	ctx := context.Background()
	a := sp.signedIn("quantri")
	_, page := a.get("/zalo")
	if !strings.Contains(page, `data-zalo-commune="xa"`) || strings.Contains(page, "xa-b") || strings.Contains(page, "Bình Hòa") {
		t.Errorf("A's admin's /zalo shows more than A:\n%s", page)
	}
	for _, rq := range []struct{ method, path string }{{"GET", "/zalo?xa=xa-b"}, {"POST", "/zalo/connect?xa=xa-b"},
		{"GET", "/zalo?xa=xa-zz"}} {
		var resp *http.Response
		if rq.method == "GET" {
			resp, _ = a.get(rq.path)
		} else {
			resp, _ = a.post(rq.path, nil)
		}
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("A's admin %s %s: %d, want 404", rq.method, rq.path, resp.StatusCode)
		}
	}
	// B's admin starts B's flow; A's admin presents its callback: 404, and
	// B's client stays unconnected.
	bAdmin := sp.signedIn("b-quantri")
	cb := sp.authorise(bAdmin, "xa-b", sp.oaB.ID)
	if resp, body := a.get(cb); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Bình Hòa") {
		t.Errorf("A's admin with B's callback: %d, want 404 saying nothing of B", resp.StatusCode)
	}
	if sp.clients[sp.b.ID].Health().Connected {
		t.Error("B connected through A's admin")
	}
	if resp, _ := bAdmin.get(cb); resp.StatusCode != http.StatusSeeOther || sp.clients[sp.b.ID].Health().Connected {
		t.Errorf("B's admin after A's admin spent the state: %d, connected %v; want refused", resp.StatusCode,
			sp.clients[sp.b.ID].Health().Connected)
	}
	// A tampered state: refused.
	cb = sp.authorise(bAdmin, "xa-b", sp.oaB.ID)
	u, _ := url.Parse(cb)
	q := u.Query()
	q.Set("state", q.Get("state")+"x")
	if bAdmin.get("/zalo/callback?" + q.Encode()); sp.clients[sp.b.ID].Health().Connected {
		t.Error("a tampered state connected B")
	}
	// B's own admin, on B's own flow: connected, in B's store only.
	resp, _ := bAdmin.get(sp.authorise(bAdmin, "xa-b", sp.oaB.ID))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/zalo?xa=xa-b" || !sp.clients[sp.b.ID].Health().Connected {
		t.Fatalf("B's admin's own flow: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := bAdmin.get("/zalo"); !strings.Contains(page, "Đã kết nối Zalo OA của UBND xã Bình Hòa") {
		t.Errorf("B's admin sees no confirmation")
	}
	if a, _, _, _ := sp.store.CommuneTokens(sp.a.ID).LoadZaloTokens(ctx); a != sp.sim.OA(t, sp.oaA.ID).AccessToken {
		t.Errorf("A's pair changed when B connected")
	}
}

// TestTestSendPerCommune: a test send goes out through the OA of the test
// group's commune: A's notice to A's group through A's OA, B's and a
// province notice to B's group through B's. Through the wrong OA the
// simulator answers -403, and the page says so.
func TestTestSendPerCommune(t *testing.T) {
	sp := newSimProvince(t)
	ctx := context.Background()
	bOA := sp.sim.OA(t, sp.oaB.ID)
	if err := sp.store.CommuneTokens(sp.b.ID).SaveZaloTokens(ctx, bOA.AccessToken, bOA.RefreshToken, time.Now().Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := sp.clients[sp.b.ID].Reload(ctx); err != nil {
		t.Fatal(err)
	}
	markTest(t, sp.province, sp.a, "khom-2")
	markTest(t, sp.province, sp.b, "ap-b")

	sendTest(t, sp.signedIn("bien"), sp.noticeA, "khom-2", "Zalo đã nhận 1/1 phần")
	sendTest(t, sp.signedIn("b-bien"), sp.noticeB, "ap-b", "Zalo đã nhận 1/1 phần")
	tinh := sp.signedIn("tinh-bien")
	sendTest(t, tinh, sp.provinceB, "xa-b/ap-b", "Zalo đã nhận 1/1 phần")
	if n := len(sp.sim.Messages("g2")); n != 1 {
		t.Errorf("A's test group got %d messages; want 1", n)
	}
	var texts []string
	for _, m := range sp.sim.Messages("gb2") {
		texts = append(texts, m.Text)
	}
	if len(texts) != 2 || !strings.Contains(strings.Join(texts, "|"), "Tin tỉnh cho xã B") {
		t.Fatalf("B's test group got %q; want B's notice and the province's", texts)
	}
	// Signed as the daemon signs them: B's with B's name, the province's
	// with the province's.
	if !strings.Contains(texts[0], "UBND xã Bình Hòa") || !strings.Contains(texts[1], "UBND tỉnh An Giang") {
		t.Errorf("the test sends' footers: %q", texts)
	}

	// Through A's OA the simulator refuses B's group, -403: what the site
	// would meet if it sent with the wrong OA.
	if _, err := sp.clients[sp.a.ID].SendGroupText(ctx, "gb2", "thử"); err == nil || !strings.Contains(err.Error(), "-403") {
		t.Errorf("A's OA sending to B's group: %v; want -403", err)
	}
	if n := len(sp.sim.Messages("gb2")); n != 2 {
		t.Errorf("B's group has %d messages; want still 2", n)
	}
	// That one -403 is all: no test send went through the wrong OA.
	for _, st := range sp.sim.OAStats() {
		if want := map[bool]int{true: 1, false: 0}[st.OAID == sp.oaA.ID]; st.NotInGroup != want {
			t.Errorf("OA %s answered -403 %d times; want %d", st.OAID, st.NotInGroup, want)
		}
	}
}

// TestHamletSyncPerCommune: "Đồng bộ nhóm từ Zalo" lists the groups of the
// chosen commune's OA and adds hamlets to that commune alone, each checked
// through that OA; at toàn tỉnh it asks for a commune.
func TestHamletSyncPerCommune(t *testing.T) {
	sp := newSimProvince(t)
	ctx := context.Background()
	tinh := sp.signedIn("tinh-quantri")
	tinh.get(sp.authorise(tinh, "xa-b", sp.oaB.ID))
	before, _ := sp.store.Hamlets(ctx)

	if resp, _ := tinh.post("/hamlets/sync?xa=", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sync at toàn tỉnh: %d", resp.StatusCode)
	}
	if _, page := tinh.get("/hamlets?xa="); !strings.Contains(page, "hãy chọn một xã ở đầu trang rồi đồng bộ") {
		t.Errorf("sync at toàn tỉnh does not ask for a commune: %s", flashOf(page))
	}
	if hs, _ := sp.store.Hamlets(ctx); len(hs) != len(before) {
		t.Errorf("sync at toàn tỉnh added hamlets: %d → %d", len(before), len(hs))
	}

	if resp, _ := tinh.post("/hamlets/sync?xa=xa-b", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sync of xa-b: %d", resp.StatusCode)
	}
	if _, page := tinh.get("/hamlets?xa=xa-b"); !strings.Contains(page, "Đã đọc 3 nhóm từ Zalo OA của UBND xã Bình Hòa: thêm 1 thôn/ấp mới, 2 đã có.") {
		t.Errorf("sync of xa-b says: %s", flashOf(page))
	}
	h, err := sp.store.HamletByGroup(ctx, "gb3")
	if err != nil || h.CommuneID != sp.b.ID {
		t.Fatalf("gb3's hamlet: %+v, %v; want one of xa-b", h, err)
	}
	if f, _ := sp.store.AllGroupFacts(ctx); !f["gb3"].HasMembers || f["gb3"].TotalMember != 41 {
		t.Errorf("gb3 was not checked through B's OA: %+v", f["gb3"])
	}
	if _, err := sp.store.HamletByGroup(ctx, "ga3"); err == nil {
		t.Error("syncing xa-b added A's group")
	}

	// A's own admin syncs A through A's OA.
	a := sp.signedIn("quantri")
	a.get("/hamlets")
	if resp, _ := a.post("/hamlets/sync", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("A's sync: %d", resp.StatusCode)
	}
	if h, err := sp.store.HamletByGroup(ctx, "ga3"); err != nil || h.CommuneID != sp.a.ID {
		t.Errorf("ga3's hamlet: %+v, %v; want one of xa", h, err)
	}
	if hs, _ := sp.store.HamletsOf(ctx, sp.b.ID); len(hs) != 3 {
		t.Errorf("B has %d hamlets after A's sync; want 3", len(hs))
	}
	// A's admin naming B's commune syncs A all the same: the account's
	// commune decides.
	if resp, _ := a.post("/hamlets/sync?xa=xa-b", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("A's sync with ?xa=xa-b: %d", resp.StatusCode)
	}
	if _, page := a.get("/hamlets"); strings.Contains(page, "Bình Hòa") {
		t.Errorf("A's sync named B: %s", flashOf(page))
	}
}
