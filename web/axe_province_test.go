package web_test

import "testing"

// TestAxeProvince checks the pages of several communes with axe-core at
// 1280 and 390 px: the header's commune selector, the province compose
// form, the hamlet and account lists with their commune column, a
// province notice read-only for a commune's approver, the Zalo page at
// toàn tỉnh and for one commune, and the public pages of the province and
// of a commune.
func TestAxeProvince(t *testing.T) {
	a := &axeChecker{t: t, axe: findAxe(t)}
	browser := newChrome(t)
	p := newProvince(t)
	p.sendTo(p.noticeB, p.hamlet(p.b, "ap-b"))
	p.sendTo(p.provinceAll, p.hamlet(p.a, "khom-2"), p.hamlet(p.b, "ap-b"))
	base := p.srv.URL
	admin := userContext(t, browser)
	signIn(t, admin, base, "tinh-quantri")
	for _, path := range []string{"/dashboard", "/compose", "/hamlets", "/hamlets/khom-1?xa=xa-b", "/users", "/notices", "/zalo", "/zalo?xa=xa-b"} {
		a.open(admin, base, path, "province admin:")
	}
	commune := userContext(t, browser)
	signIn(t, commune, base, "b-duyet")
	for _, path := range []string{"/dashboard", "/notices/" + itoa(p.provinceB.ID), "/compose"} {
		a.open(commune, base, path, "commune approver:")
	}
	anon := userContext(t, browser)
	for _, path := range []string{"/public", "/public/c/xa-b", "/public/c/khong-co"} {
		a.open(anon, base, path, "public:")
	}
	t.Logf("axe checked %d page views", a.pages)
}
