package web_test

import "testing"

// TestAxeListsCalendar checks the pages of the lists that scale with
// axe-core at 1280 and 390 px: the filtered and searched notice list, a
// refused filter, the approval queue, the calendar, the filtered audit log.
func TestAxeListsCalendar(t *testing.T) {
	a := &axeChecker{t: t, axe: findAxe(t)}
	browser := newChrome(t)
	l := newLive(t)
	ids := seedAxe(t, l)
	editor := userContext(t, browser)
	signIn(t, editor, l.url, "bien")
	for _, p := range []string{"/notices?q=cat+dien", "/notices?status=pending", "/notices?from=27/11&kind=fix",
		"/notices?category=điện+nước&author=bien&from=2026-01-01&to=2030-12-31", "/calendar", "/notices/" + itoa(ids["done"])} {
		a.open(editor, l.url, p, "editor:")
	}
	approver := userContext(t, browser)
	signIn(t, approver, l.url, "duyet")
	a.open(approver, l.url, "/audit?action=notice.&from=2026-01-01", "approver:")
	t.Logf("axe checked %d page views", a.pages)
}
