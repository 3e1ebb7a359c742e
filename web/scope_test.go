package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// province is a site of two communes: "xa" (commune A, the one newSite
// makes, with its accounts bien, duyet and quantri and hamlets khom-1,
// khom-2) and "xa-b" (commune B: b-bien, b-duyet, b-quantri; hamlets
// khom-1, the same code as A's, and ap-b), and province accounts
// tinh-bien, tinh-duyet and tinh-quantri.
type province struct {
	*site
	a, b          *notices.Commune
	noticeA       *notices.Notice // A's, pending, by tacgia
	noticeB       *notices.Notice // B's, pending, with an image, by b-tacgia
	provinceAll   *notices.Notice // the province's, to every commune, pending
	provinceB     *notices.Notice // the province's, to commune B only, pending
	provinceHamlt *notices.Notice // the province's, to A's khom-2 and B's ap-b, pending
}

func newProvince(t *testing.T, mod ...func(*web.Config)) *province {
	t.Helper()
	return newProvinceOn(t, nil, mod...)
}

// newProvinceOn is newProvince with newSiteOn(t, z, mod...).
func newProvinceOn(t *testing.T, z web.Zalo, mod ...func(*web.Config)) *province {
	t.Helper()
	ctx := context.Background()
	s := newSiteOn(t, z, mod...)
	p := &province{site: s}
	var err error
	if p.a, err = s.store.CommuneByCode(ctx, "xa"); err != nil {
		t.Fatal(err)
	}
	p.b = &notices.Commune{Code: "xa-b", Name: "UBND xã Bình Hòa"}
	if err := s.store.CreateCommune(ctx, "test", p.b); err != nil {
		t.Fatal(err)
	}
	for _, h := range []notices.Hamlet{{Commune: "xa-b", Code: "khom-1", Name: "Khóm Một B", GroupID: "gb1"},
		{Commune: "xa-b", Code: "ap-b", Name: "Ấp Bình", GroupID: "gb2"}} {
		if err := s.store.CreateHamlet(ctx, "test", &h); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []notices.User{
		{Username: "b-bien", Role: notices.RoleEditor, Commune: "xa-b"},
		{Username: "b-tacgia", Role: notices.RoleEditor, Commune: "xa-b"},
		{Username: "b-duyet", Role: notices.RoleApprover, Commune: "xa-b"},
		{Username: "b-quantri", Role: notices.RoleAdmin, Commune: "xa-b"},
		{Username: "tinh-bien", Role: notices.RoleEditor, Commune: notices.Province},
		{Username: "tinh-duyet", Role: notices.RoleApprover, Commune: notices.Province},
		{Username: "tinh-quantri", Role: notices.RoleAdmin, Commune: notices.Province},
	} {
		u.DisplayName = u.Username
		if err := s.store.CreateUser(ctx, "test", &u, password); err != nil {
			t.Fatal(err)
		}
	}
	p.noticeA = s.notice(notices.Notice{Title: "Tin riêng xã A", Commune: "xa", Author: "tacgia", Priority: notices.Normal,
		Status: notices.StatusPending, Image: pngBytes(t), ImageType: "image/png"})
	p.noticeB = s.notice(notices.Notice{Title: "Tin riêng xã B", Commune: "xa-b", Author: "b-tacgia", Priority: notices.Normal,
		Status: notices.StatusPending, Targets: []string{"ap-b"}, Image: pngBytes(t), ImageType: "image/png"})
	p.provinceAll = s.notice(notices.Notice{Title: "Tin cả tỉnh", Commune: notices.Province, Author: "tinh-bien",
		Priority: notices.Urgent, Status: notices.StatusPending})
	p.provinceB = s.notice(notices.Notice{Title: "Tin tỉnh cho xã B", Commune: notices.Province, Author: "tinh-bien",
		Priority: notices.Normal, Status: notices.StatusPending, Targets: []string{"xa-b"}})
	p.provinceHamlt = s.notice(notices.Notice{Title: "Tin tỉnh cho hai ấp", Commune: notices.Province, Author: "tinh-bien",
		Priority: notices.Normal, Status: notices.StatusPending, Targets: []string{"xa/khom-2", "xa-b/ap-b"}})
	return p
}

// who is one account of the matrix, and what it may reach.
type who struct {
	user     string
	role     notices.Role
	commune  string // "xa", "xa-b", or "" for the province
	province bool
}

var matrixAccounts = []who{
	{"bien", notices.RoleEditor, "xa", false}, {"duyet", notices.RoleApprover, "xa", false}, {"quantri", notices.RoleAdmin, "xa", false},
	{"b-bien", notices.RoleEditor, "xa-b", false}, {"b-duyet", notices.RoleApprover, "xa-b", false}, {"b-quantri", notices.RoleAdmin, "xa-b", false},
	{"tinh-bien", notices.RoleEditor, "", true}, {"tinh-duyet", notices.RoleApprover, "", true}, {"tinh-quantri", notices.RoleAdmin, "", true},
}

// request is one page or action of the matrix, aimed at one commune's
// thing (a notice, a hamlet, an account, an audit filter).
type request struct {
	method, path string
	min          notices.Role
	of           string // whose it is: "xa", "xa-b"
	form         url.Values
}

func rank(r notices.Role) int {
	return map[notices.Role]int{notices.RoleEditor: 1, notices.RoleApprover: 2, notices.RoleAdmin: 3}[r]
}

func (p *province) requests(of string, n *notices.Notice, hamlet, user string) []request {
	id := "/notices/" + strconv.FormatInt(n.ID, 10)
	ed, ap, ad := notices.RoleEditor, notices.RoleApprover, notices.RoleAdmin
	return []request{
		{"GET", id, ed, of, nil},
		{"GET", id + "/image", ed, of, nil},
		{"GET", id + "/progress.json", ed, of, nil},
		{"GET", id + "/deliveries.csv", ed, of, nil},
		{"GET", id + "/edit", ed, of, nil},
		{"GET", id + "/approve", ap, of, nil},
		{"GET", id + "/cancel", ed, of, nil},
		{"GET", "/audit?notice=" + strconv.FormatInt(n.ID, 10), ap, of, nil},
		{"GET", "/audit.csv?notice=" + strconv.FormatInt(n.ID, 10), ap, of, nil},
		{"GET", "/compose?refers_to=" + strconv.FormatInt(n.ID, 10), ed, of, nil},
		{"POST", id + "/test", ed, of, url.Values{"hamlet": {hamlet}}},
		{"POST", id + "/pause", ed, of, nil},
		{"POST", id + "/resume", ed, of, nil},
		{"POST", id + "/retry", ed, of, nil},
		{"POST", id + "/duplicate", ed, of, nil},
		{"POST", id + "/submit", ed, of, nil},
		{"POST", id + "/edit", ed, of, url.Values{"title": {"Đổi"}, "body": {"x"}, "priority": {"normal"},
			"target_mode": {"all"}, "when": {"now"}, "action": {"draft"}}},
		{"POST", id + "/reject", ap, of, url.Values{"reason": {"không"}}},
		{"POST", id + "/approve", ap, of, nil},
		{"POST", id + "/cancel", ed, of, nil},
		{"GET", "/hamlets/" + hamlet, ad, of, nil},
		{"GET", "/hamlets/" + hamlet + "/active", ad, of, nil},
		{"POST", "/hamlets/" + hamlet, ad, of, url.Values{"name": {"Đổi tên"}, "code": {hamlet}, "group_id": {"g-new-" + of}}},
		{"POST", "/hamlets/" + hamlet + "/staff-test", ad, of, url.Values{"staff_test": {"1"}}},
		{"POST", "/hamlets/" + hamlet + "/active", ad, of, url.Values{"active": {"1"}}},
		{"GET", "/users/" + user + "/active", ad, of, nil},
		{"POST", "/users/" + user + "/password", ad, of, url.Values{"password": {"x"}, "password2": {"y"}}},
		{"POST", "/users/" + user + "/active", ad, of, url.Values{"active": {"1"}}},
		{"GET", "/zalo?xa=" + of, ad, of, nil},
		{"POST", "/zalo/connect?xa=" + of, ad, of, nil},
	}
}

func (b *browser) send(rq request) (*http.Response, string) {
	b.t.Helper()
	if rq.method == "GET" {
		return b.get(rq.path)
	}
	f := url.Values{}
	for k, v := range rq.form {
		f[k] = v
	}
	return b.post(rq.path, f)
}

// TestScopeMatrix: every account of commune A, of commune B and of the
// province, against every page and action aimed at commune A's and
// commune B's things: the role's 403 first; then another commune's thing
// is 404 and says nothing of it; the account's own commune's (and every
// commune's for the province) is reached (neither 403 nor 404).
func TestScopeMatrix(t *testing.T) {
	p := newProvince(t)
	things := map[string][]request{
		"xa":   p.requests("xa", p.noticeA, "khom-2", "bien"),
		"xa-b": p.requests("xa-b", p.noticeB, "ap-b", "b-bien"),
	}
	titles := map[string]string{"xa": p.noticeA.Title, "xa-b": p.noticeB.Title}
	for _, w := range matrixAccounts {
		b := p.signedIn(w.user)
		for of, rqs := range things {
			for _, rq := range rqs {
				resp, body := b.send(rq)
				got := resp.StatusCode
				name := fmt.Sprintf("%s (%s of %q) %s %s [%s's]", w.user, w.role, w.commune, rq.method, rq.path, of)
				switch {
				case rank(w.role) < rank(rq.min):
					if got != http.StatusForbidden {
						t.Errorf("%s: %d, want 403 (role)", name, got)
					}
				case !w.province && w.commune != of:
					if got != http.StatusNotFound {
						t.Errorf("%s: %d, want 404", name, got)
					}
					if strings.Contains(body, titles[of]) {
						t.Errorf("%s: the 404 shows the other commune's notice title", name)
					}
				default:
					if got == http.StatusNotFound || got == http.StatusForbidden && strings.Contains(body, "cấp tỉnh") {
						t.Errorf("%s: %d, want it reached\n%.300s", name, got, body)
					}
				}
			}
		}
	}
}

// TestScopeZaloCallback: the Zalo callback of a flow started for commune
// A's or commune B's OA (by another session: the state is spent, not used)
// is 404 to the other commune's admin, as if it did not exist, and reached
// by that commune's own admin and the province's; other roles get 403.
func TestScopeZaloCallback(t *testing.T) {
	p := newProvince(t)
	ctx := context.Background()
	ids := map[string]int64{"xa": p.a.ID, "xa-b": p.b.ID}
	for _, w := range matrixAccounts {
		b := p.signedIn(w.user)
		for of, id := range ids {
			state := notices.RandomToken()
			if err := p.store.SaveOAuthStateFor(ctx, "ai-do", "phien-khac", id, state, "bi-mat", "http://x/zalo/callback"); err != nil {
				t.Fatal(err)
			}
			resp, body := b.get("/zalo/callback?code=c&state=" + state)
			name := fmt.Sprintf("%s (%s of %q) callback of %s's flow", w.user, w.role, w.commune, of)
			switch got := resp.StatusCode; {
			case w.role != notices.RoleAdmin:
				if got != http.StatusForbidden {
					t.Errorf("%s: %d, want 403 (role)", name, got)
				}
			case !w.province && w.commune != of:
				if got != http.StatusNotFound || strings.Contains(body, "xa="+of) {
					t.Errorf("%s: %d, want 404 saying nothing of it", name, got)
				}
			default:
				if got != http.StatusSeeOther || resp.Header.Get("Location") != "/zalo?xa="+of {
					t.Errorf("%s: %d to %q, want 303 back to the commune's page (refused: another's flow)", name, got,
						resp.Header.Get("Location"))
				}
			}
		}
	}
	if len(p.zalo.codes) != 0 {
		t.Errorf("a code was exchanged with another session's state: %v", p.zalo.codes)
	}
}

// TestScopeProvinceNoticesReadOnly: a commune's staff see the province
// notices aimed at their commune (all, the commune, or one of its hamlets)
// without any button, cannot act on them (403, saying why), and do not
// see the ones aimed elsewhere (404); province staff act on them.
func TestScopeProvinceNoticesReadOnly(t *testing.T) {
	p := newProvince(t)
	for _, c := range []struct {
		user string
		n    *notices.Notice
		want int
	}{
		{"duyet", p.provinceAll, 200}, {"duyet", p.provinceB, 404}, {"duyet", p.provinceHamlt, 200},
		{"b-duyet", p.provinceAll, 200}, {"b-duyet", p.provinceB, 200}, {"b-duyet", p.provinceHamlt, 200},
	} {
		b := p.signedIn(c.user)
		id := "/notices/" + strconv.FormatInt(c.n.ID, 10)
		resp, body := b.get(id)
		if resp.StatusCode != c.want {
			t.Errorf("%s GET %s (%s): %d, want %d", c.user, id, c.n.Title, resp.StatusCode, c.want)
			continue
		}
		if c.want == 404 {
			for _, path := range []string{id + "/approve", id + "/edit", id + "/image"} {
				if resp, _ := b.get(path); resp.StatusCode != 404 {
					t.Errorf("%s GET %s: %d, want 404", c.user, path, resp.StatusCode)
				}
			}
			continue
		}
		if !strings.Contains(body, "data-readonly") || strings.Contains(body, id+"/approve") ||
			strings.Contains(body, id+"/duplicate") || strings.Contains(body, id+"/edit") {
			t.Errorf("%s: the province notice's page is not read-only:\n%s", c.user, body)
		}
		for _, path := range []string{id + "/approve", id + "/cancel", id + "/pause", id + "/retry", id + "/duplicate"} {
			resp, body := b.post(path, nil)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "cấp tỉnh") {
				t.Errorf("%s POST %s: %d, want 403 saying it is the province's", c.user, path, resp.StatusCode)
			}
		}
		if resp, _ := b.get(id + "/edit"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s GET %s/edit: %d, want 403", c.user, id, resp.StatusCode)
		}
	}
	n, _ := p.store.Notice(context.Background(), p.provinceAll.ID)
	if n.Status != notices.StatusPending {
		t.Fatalf("a commune approver changed the province notice: %s", n.Status)
	}
	// A province approver approves it.
	b := p.signedIn("tinh-duyet")
	id := "/notices/" + strconv.FormatInt(p.provinceAll.ID, 10)
	if resp, body := b.post(id+"/approve", p.versioned(p.provinceAll.ID, nil)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tinh-duyet approve: %d\n%s", resp.StatusCode, body)
	}
	if n, _ := p.store.Notice(context.Background(), p.provinceAll.ID); n.Status != notices.StatusApproved {
		t.Errorf("after the province approver: %s, want approved", n.Status)
	}
}

// TestScopeLists: every list shows the commune's own and the province
// notices aimed at it, and nothing of another commune's.
func TestScopeLists(t *testing.T) {
	p := newProvince(t)
	ctx := context.Background()
	// Approved, for the calendar; B's notice sent to B's hamlet, for the exports.
	approved := map[string]*notices.Notice{}
	for code, title := range map[string]string{"xa": "Lịch xã A", "xa-b": "Lịch xã B", "*": "Lịch cả tỉnh"} {
		n := p.notice(notices.Notice{Title: title, Commune: code, Author: "tacgia", Priority: notices.Normal,
			Status: notices.StatusPending, PublishAt: p.clock.Now().Add(48 * time.Hour)})
		if err := p.store.ApproveNotice(ctx, n.ID, "test-approver", false); err != nil {
			t.Fatal(err)
		}
		approved[code] = n
	}
	hb, err := p.store.HamletInCommune(ctx, p.b.ID, "ap-b")
	if err != nil {
		t.Fatal(err)
	}
	now := p.clock.Now()
	if _, err := p.store.Materialise(ctx, notices.OccurrencePlan{NoticeID: p.noticeB.ID, DueAt: now, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: []notices.Target{{HamletID: hb.ID, GroupID: hb.GroupID, CommuneID: p.b.ID}},
		LastDueAt: now}); err != nil {
		t.Fatal(err)
	}
	day := now.In(hcm).Format("2006-01-02")
	aOnly := []string{"Tin riêng xã A", "Tin cả tỉnh", "Tin tỉnh cho hai ấp"}
	bOnly := []string{"Tin riêng xã B", "Tin tỉnh cho xã B"}
	for _, c := range []struct {
		user, path string
		want, not  []string
	}{
		{"duyet", "/notices", aOnly, bOnly},
		{"duyet", "/dashboard", []string{"Tin riêng xã A"}, append(bOnly, "Tin cả tỉnh")}, // the queue: a commune approves its own
		{"duyet", "/calendar", []string{"Lịch xã A", "Lịch cả tỉnh"}, []string{"Lịch xã B"}},
		{"quantri", "/hamlets", []string{"Khóm 1", "Khóm 2"}, []string{"Ấp Bình", "Khóm Một B"}},
		{"quantri", "/users", []string{"bien", "duyet"}, []string{"b-bien", "tinh-bien"}},
		{"duyet", "/audit", []string{"#" + strconv.FormatInt(p.noticeA.ID, 10)}, []string{"#" + strconv.FormatInt(p.noticeB.ID, 10) + "<"}},
		{"duyet", "/export/deliveries.csv?from=" + day + "&to=" + day, nil, []string{"Ấp Bình", "Tin riêng xã B"}},
		{"b-duyet", "/export/deliveries.csv?from=" + day + "&to=" + day, []string{"Ấp Bình", "Tin riêng xã B"}, nil},
		{"b-duyet", "/notices", append(bOnly, "Tin cả tỉnh"), []string{"Tin riêng xã A"}},
		{"b-quantri", "/hamlets", []string{"Ấp Bình", "Khóm Một B"}, []string{"Khóm 2"}},
		{"tinh-duyet", "/notices", append(aOnly, bOnly...), nil},
		{"tinh-duyet", "/dashboard", []string{"Tin riêng xã A", "Tin riêng xã B", "Tin cả tỉnh"}, nil},
		{"tinh-quantri", "/hamlets", []string{"Khóm 2", "Ấp Bình", "/hamlets/khom-1?xa=xa-b"}, nil},
		{"tinh-quantri", "/users", []string{"b-bien", "tinh-bien", "bien"}, nil},
	} {
		b := p.signedIn(c.user)
		resp, body := b.get(c.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: %d", c.user, c.path, resp.StatusCode)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s %s: %q missing", c.user, c.path, s)
			}
		}
		for _, s := range c.not {
			if strings.Contains(body, s) {
				t.Errorf("%s %s: shows %q of another commune", c.user, c.path, s)
			}
		}
	}
	// A province account picks commune B: its lists narrow to it.
	b := p.signedIn("tinh-duyet")
	if !strings.Contains(b.mustGet("/dashboard"), `id="scope-xa"`) {
		t.Error("the province account's header has no commune selector")
	}
	if resp, body := b.post("/scope", url.Values{"xa": {"xa-b"}, "back": {"/notices"}}); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/notices" {
		t.Fatalf("POST /scope: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	body := b.mustGet("/notices")
	for _, s := range aOnly[:1] {
		if strings.Contains(body, s) {
			t.Errorf("province at xa-b: /notices shows %q", s)
		}
	}
	if !strings.Contains(body, "Tin riêng xã B") || !strings.Contains(body, `<option value="xa-b" selected>`) {
		t.Errorf("province at xa-b: /notices lacks B's notice or the selection:\n%s", body)
	}
	if resp, _ := b.post("/scope", url.Values{"xa": {"khong-co"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST /scope unknown commune: %d, want 400", resp.StatusCode)
	}
	// A commune account has no selector, and cannot widen its scope.
	a := p.signedIn("duyet")
	if strings.Contains(a.mustGet("/dashboard"), `id="scope-xa"`) {
		t.Error("a commune account has the commune selector")
	}
	if resp, _ := a.post("/scope", url.Values{"xa": {"xa-b"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a commune account POST /scope: %d, want 404", resp.StatusCode)
	}
	if resp, _ := a.get("/notices/" + strconv.FormatInt(p.noticeB.ID, 10) + "?xa=xa-b"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a commune account with ?xa=xa-b reaches B's notice: %d", resp.StatusCode)
	}
}

// TestScopeHamletSameCode: two communes' hamlets of the same code are
// changed apart: A's admin changing khom-1 changes A's, never B's.
func TestScopeHamletSameCode(t *testing.T) {
	p := newProvince(t)
	ctx := context.Background()
	a := p.signedIn("quantri")
	if resp, body := a.post("/hamlets/khom-1/staff-test", url.Values{"staff_test": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark khom-1: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := a.post("/hamlets/khom-1/active", url.Values{"active": {"0"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("turn khom-1 off: %d", resp.StatusCode)
	}
	ha, _ := p.store.HamletInCommune(ctx, p.a.ID, "khom-1")
	hb, _ := p.store.HamletInCommune(ctx, p.b.ID, "khom-1")
	onA, _ := p.store.IsStaffTestID(ctx, ha.ID)
	onB, _ := p.store.IsStaffTestID(ctx, hb.ID)
	if !onA || onB || ha.Active || !hb.Active {
		t.Errorf("A's khom-1: test %v active %v; B's: test %v active %v; want only A's changed", onA, ha.Active, onB, hb.Active)
	}
	// The province admin at toàn tỉnh names the commune.
	pr := p.signedIn("tinh-quantri")
	if resp, _ := pr.get("/hamlets/khom-1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("province at toàn tỉnh, /hamlets/khom-1 of two communes: %d, want 404 asking for a commune", resp.StatusCode)
	}
	if resp, body := pr.get("/hamlets/khom-1?xa=xa-b"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Khóm Một B") ||
		!strings.Contains(body, `action="/hamlets/khom-1?xa=xa-b"`) {
		t.Errorf("province /hamlets/khom-1?xa=xa-b: %d\n%s", resp.StatusCode, body)
	}
}

func (b *browser) mustGet(path string) string {
	b.t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	return body
}

// TestScopeTargetsNamed: with two communes that both have a khom-1, a
// notice's page and its approval page name the right hamlets, and a
// province notice names each target's commune.
func TestScopeTargetsNamed(t *testing.T) {
	p := newProvince(t)
	nb := p.notice(notices.Notice{Title: "Khóm một của B", Commune: "xa-b", Author: "b-tacgia", Priority: notices.Normal,
		Status: notices.StatusPending, Targets: []string{"khom-1"}})
	for _, c := range []struct {
		user string
		path string
		want string
	}{
		{"b-duyet", "/notices/" + itoa(nb.ID), "<dd>Khóm Một B</dd>"},
		{"b-duyet", "/notices/" + itoa(nb.ID) + "/approve", "tin được gửi tới Khóm Một B,"},
		{"b-duyet", "/notices/" + itoa(p.noticeB.ID), "<dd>Ấp Bình</dd>"},
		{"duyet", "/notices/" + itoa(p.noticeA.ID), "<dd>tất cả thôn/ấp đang hoạt động của UBND xã</dd>"},
		{"tinh-duyet", "/notices/" + itoa(p.provinceHamlt.ID), "<dd>Khóm 2 (UBND xã), Ấp Bình (UBND xã Bình Hòa)</dd>"},
		{"tinh-duyet", "/notices/" + itoa(p.provinceB.ID), "<dd>UBND xã Bình Hòa (mọi thôn/ấp)</dd>"},
		{"tinh-duyet", "/notices/" + itoa(p.provinceAll.ID) + "/approve", "tất cả các xã, phường trong tỉnh"},
	} {
		if body := p.signedIn(c.user).mustGet(c.path); !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %q missing", c.user, c.path, c.want)
		}
	}
}

// TestScopeTemplatesProvinceOnly: with several communes the templates are
// shared, so a commune's admin reads and uses them but cannot change them;
// a province admin can.
func TestScopeTemplatesProvinceOnly(t *testing.T) {
	p := newProvince(t)
	tpl := func() url.Values {
		return url.Values{"name": {"Bão"}, "title": {"Phòng chống bão đổi"}, "body": {"…"}, "category": {"thiên tai"}, "priority": {"urgent"}}
	}
	pr := p.signedIn("tinh-quantri")
	if resp, body := pr.post("/templates", tpl()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("province admin adds a template: %d\n%s", resp.StatusCode, body)
	}
	byName := func() *notices.Template {
		ts, err := p.store.Templates(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for i := range ts {
			if ts[i].Name == "Bão" {
				return &ts[i]
			}
		}
		return nil
	}
	mine := byName()
	if mine == nil {
		t.Fatal("the province admin's template is missing")
	}
	id := itoa(mine.ID)
	a := p.signedIn("quantri")
	page := a.mustGet("/templates")
	if !strings.Contains(page, "Phòng chống bão đổi") || strings.Contains(page, `action="/templates/`+id+`/delete"`) ||
		strings.Contains(page, `action="/templates"`) {
		t.Errorf("a commune admin's templates page is not read-only:\n%s", page)
	}
	for _, path := range []string{"/templates", "/templates/" + id, "/templates/" + id + "/delete"} {
		if resp, body := a.post(path, tpl()); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "cấp tỉnh") {
			t.Errorf("commune admin POST %s: %d, want 403\n%s", path, resp.StatusCode, body)
		}
	}
	if got := byName(); got == nil || got.Title != "Phòng chống bão đổi" || len(p.templatesNamed("Bão")) != 1 {
		t.Errorf("after a commune admin's tries: %+v", got)
	}
	if body := p.signedIn("bien").mustGet("/compose?template=" + id); !strings.Contains(body, "Phòng chống bão đổi") {
		t.Error("a commune editor cannot compose from the province's template")
	}
}

func (p *province) templatesNamed(name string) []notices.Template {
	p.t.Helper()
	ts, err := p.store.Templates(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	var out []notices.Template
	for _, t := range ts {
		if t.Name == name {
			out = append(out, t)
		}
	}
	return out
}

// TestScopeTestSendGroup: the staff test group is a hamlet's, not a
// code's: commune B's khom-1 marked as its test group does not make
// commune A's khom-1 (a real hamlet's group) one, and A's staff cannot
// test-send to B's; a province editor names it as "xa-b/khom-1".
func TestScopeTestSendGroup(t *testing.T) {
	p := newProvince(t)
	ctx := context.Background()
	if err := p.store.SetStaffTestID(ctx, p.hamlet(p.b, "khom-1").ID, true, "test"); err != nil {
		t.Fatal(err)
	}
	flash := func(b *browser) string {
		v, _ := url.QueryUnescape(b.cookie("loaxa_flash"))
		return v
	}
	const refused = "Chỉ gửi thử được tới một thôn/ấp được đánh dấu"
	a := p.signedIn("bien")
	idA := "/notices/" + itoa(p.noticeA.ID)
	if page := a.mustGet(idA); strings.Contains(page, "khom-1</option>") || strings.Contains(page, "Khóm Một B") {
		t.Errorf("A's notice page offers B's test group")
	}
	for _, h := range []string{"khom-1", "xa-b/khom-1", "xa/khom-1"} {
		if resp, _ := a.post(idA+"/test", url.Values{"hamlet": {h}}); resp.StatusCode != http.StatusSeeOther ||
			!strings.Contains(flash(a), refused) {
			t.Errorf("A's editor test-sends to %q: %d %q; want it refused", h, resp.StatusCode, flash(a))
		}
	}
	pr := p.signedIn("tinh-bien")
	idP := "/notices/" + itoa(p.provinceAll.ID)
	if page := pr.mustGet(idP); !strings.Contains(page, `<option value="xa-b/khom-1">Khóm Một B</option>`) {
		t.Errorf("the province notice's page does not offer B's test group by commune/code")
	}
	if resp, _ := pr.post(idP+"/test", url.Values{"hamlet": {"xa-b/khom-1"}}); resp.StatusCode != http.StatusSeeOther ||
		strings.Contains(flash(pr), refused) {
		t.Errorf("province editor test-sends to xa-b/khom-1: %d %q; want it past the group check", resp.StatusCode, flash(pr))
	}
}
