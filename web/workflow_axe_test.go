package web_test

import (
	"context"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestAxeWorkflows checks the workflow pages with axe-core, at 1280 and
// 390 px: the edit form with a rejection, a draft, a paused notice, the
// confirmation pages, the templates and a compose from a template.
func TestAxeWorkflows(t *testing.T) {
	a := &axeChecker{t: t, axe: findAxe(t)}
	browser := newChrome(t)
	l := newLive(t)
	ctx := context.Background()
	if err := l.store.SetStaffTest(ctx, l.codes[2], true, "quantri"); err != nil {
		t.Fatal(err)
	}
	rejected := &notices.Notice{Title: "Họp dân", Body: "Tối thứ Sáu.", Author: "bien", Source: notices.SourceWeb}
	draft := &notices.Notice{Title: "Nháp", Body: "Chưa xong.", Author: "bien", Source: notices.SourceWeb, Status: notices.StatusDraft}
	pending := &notices.Notice{Title: "Tiêm chủng", Body: "Sáng thứ Bảy.", Author: "bien", Source: notices.SourceWeb}
	weekly := &notices.Notice{Title: "Thu gom rác", Body: "7 giờ.", Author: "bien", Source: notices.SourceWeb,
		Status: notices.StatusApproved, Recurrence: "0 7 * * 1"}
	for _, n := range []*notices.Notice{rejected, draft, pending, weekly} {
		if err := l.store.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.store.RejectNotice(ctx, rejected.ID, "duyet", "Ghi rõ địa điểm"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.store.PauseNotice(ctx, weekly.ID, "duyet"); err != nil {
		t.Fatal(err)
	}
	ts, _ := l.store.Templates(ctx)

	editor := userContext(t, browser)
	signIn(t, editor, l.url, "bien")
	for _, p := range []string{"/notices/" + itoa(rejected.ID), "/notices/" + itoa(rejected.ID) + "/edit",
		"/notices/" + itoa(draft.ID), "/notices/" + itoa(weekly.ID), "/compose?template=" + itoa(ts[0].ID),
		"/notices/" + itoa(pending.ID) + "/cancel?reason=tr%C3%B9ng"} {
		a.open(editor, l.url, p, "editor:")
	}
	a.refuse(editor, l.url, "/notices/"+itoa(rejected.ID)+"/edit", `form[action$="/edit"]`,
		map[string]string{"title": ""}, "editor:")

	approver := userContext(t, browser)
	signIn(t, approver, l.url, "duyet")
	a.open(approver, l.url, "/notices/"+itoa(pending.ID)+"/approve", "approver:")

	adm := userContext(t, browser)
	signIn(t, adm, l.url, "quantri")
	for _, p := range []string{"/templates", "/templates/" + itoa(ts[0].ID), "/hamlets/" + l.codes[0] + "/active",
		"/users/bien/active", "/hamlets/" + l.codes[2]} {
		a.open(adm, l.url, p, "admin:")
	}
	a.refuse(adm, l.url, "/templates", `form[action="/templates"]`, map[string]string{"name": "", "title": ""}, "admin:")
	t.Logf("axe checked %d page views", a.pages)
}
