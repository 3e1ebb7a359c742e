package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loaxa/loaxa/notices"
)

// screen is a browser window size the workflow stories run at.
type screen struct {
	name          string
	width, height int64
	mobile        bool
}

var screens = []screen{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}}

// sized is a user's browser context at the screen's size.
func sized(t *testing.T, browser context.Context, sc screen) context.Context {
	t.Helper()
	ctx := userContext(t, browser)
	opts := []chromedp.EmulateViewportOption{}
	if sc.mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(sc.width, sc.height, opts...)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// fits fails the test when the page is wider than the screen.
func fits(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	if err != nil || !ok {
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.scrollWidth + ' > ' + window.innerWidth`))
		t.Errorf("%s is wider than the screen: %s %v", what, w, err)
	}
}

// noFlash removes the page's message, so that the next one read is new.
var noFlash = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := chromedp.Evaluate[bool](`(() => { document.querySelectorAll('.flash').forEach(e => e.remove()); return true; })()`)(ctx, t)
	return err
})

func flashText(t *testing.T, ctx context.Context) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`.flash`))); err != nil {
		t.Fatalf("no message after the action: %v", err)
	}
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash`)))
	return s
}

// TestBrowserWorkflows walks the staff workflows in a real browser, at a
// desktop's size and at a phone's: an editor composes from the «Cắt điện»
// template and test-sends it to the staff test group; the approver rejects
// it with a reason; the editor edits it, reading the reason, and resubmits;
// the approver approves it through the confirmation page and the daemon
// sends the edited text. The admin turns a hamlet off through its
// confirmation, backing out once first.
func TestBrowserWorkflows(t *testing.T) {
	browser := newChrome(t)
	for _, sc := range screens {
		t.Run(sc.name, func(t *testing.T) { workflowStory(t, browser, sc) })
	}
}

func workflowStory(t *testing.T, browser context.Context, sc screen) {
	ctx := context.Background()
	l := newLive(t)
	groups := l.sim.Groups()
	target, testCode := l.codes[0], l.codes[2]

	// The admin marks the third hamlet as the staff test group, on its page.
	admin := sized(t, browser, sc)
	signIn(t, admin, l.url, "quantri")
	err := chromedp.Do(admin,
		chromedp.Navigate(l.url+"/hamlets/"+testCode),
		noFlash, chromedp.Click(chromedp.CSS(`form[action$="/staff-test"] button`)),
	)
	if err != nil {
		t.Fatalf("mark the test group: %v", err)
	}
	if f := flashText(t, admin); !strings.Contains(f, "nhóm thử") {
		t.Fatalf("after marking the test group: %q", f)
	}

	// Compose from a template.
	var power int64
	ts, _ := l.store.Templates(ctx)
	for _, x := range ts {
		if x.Name == "Cắt điện" {
			power = x.ID
		}
	}
	editor := sized(t, browser, sc)
	signIn(t, editor, l.url, "bien")
	err = chromedp.Do(editor,
		chromedp.Navigate(l.url+"/compose"),
		chromedp.Click(chromedp.CSS(`nav.template-pick a[data-template-id="`+itoa(power)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-template]`)),
	)
	if err != nil {
		t.Fatalf("choose the template: %v", err)
	}
	fits(t, editor, "compose from a template")
	title, _ := chromedp.Run(editor, chromedp.Value(chromedp.ID("title")))
	body, _ := chromedp.Run(editor, chromedp.Value(chromedp.ID("body")))
	if !strings.HasPrefix(title, "Lịch cắt điện") || !strings.Contains(body, "Điện lực thông báo tạm ngừng cung cấp điện") {
		t.Fatalf("the template filled title %q, body %q", title, body)
	}
	err = chromedp.Do(editor,
		chromedp.Clear(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "Lịch cắt điện ngày 5/12"),
		chromedp.Click(chromedp.CSS(`input[name=target_mode][value=list]`)),
		chromedp.Click(chromedp.CSS(`input[name=targets][value="`+target+`"]`)),
		waitJS(`document.querySelector('[data-bubbles]').textContent.includes('Lịch cắt điện ngày 5/12')`),
		chromedp.Click(chromedp.CSS(`button[value=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-progress-ids]`)),
	)
	if err != nil {
		t.Fatalf("submit from the template: %v", err)
	}
	noticeURL, _ := chromedp.Run(editor, chromedp.Location())
	ns, _ := l.store.Notices(ctx, notices.NoticeFilter{Limit: 1})
	if len(ns) != 1 || ns[0].Category != "dien-nuoc" || ns[0].Status != notices.StatusPending {
		t.Fatalf("stored from the template: %+v", ns)
	}
	n := ns[0]

	// Test send: to the staff group now, recorded, not a delivery.
	err = chromedp.Do(editor, noFlash, chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)))
	if err != nil {
		t.Fatalf("test send: %v", err)
	}
	if f := flashText(t, editor); !strings.Contains(f, "Đã gửi thử tới nhóm") || !strings.Contains(f, "1/1 phần") {
		t.Fatalf("after the test send: %q", f)
	}
	if ms := l.sim.Messages(groups[2].ID); len(ms) != 1 || !strings.Contains(ms[0].Text, "Lịch cắt điện ngày 5/12") {
		t.Fatalf("the test group received %+v; want the notice once", ms)
	}
	if ms := l.sim.Messages(groups[0].ID); len(ms) != 0 {
		t.Fatalf("a test send reached the real hamlet: %+v", ms)
	}
	if hd, _ := l.store.NoticeDeliveries(ctx, n.ID); countAll(hd) != 0 {
		t.Errorf("the test send made deliveries: %+v", hd)
	}
	if got, _ := l.store.Notice(ctx, n.ID); got.Status != notices.StatusPending {
		t.Errorf("after the test send the notice is %s", got.Status)
	}

	// The approver rejects it with a reason.
	approver := sized(t, browser, sc)
	signIn(t, approver, l.url, "duyet")
	err = chromedp.Do(approver,
		chromedp.Navigate(noticeURL),
		chromedp.SendKeys(chromedp.ID("reject-reason"), "Ghi rõ khu vực bị cắt điện"),
		noFlash, chromedp.Click(chromedp.CSS(`form[action$="/reject"] button`)),
	)
	if err != nil {
		t.Fatalf("reject: %v", err)
	}
	flashText(t, approver)

	// The editor edits it, reading the reason, and resubmits.
	err = chromedp.Do(editor,
		chromedp.Navigate(noticeURL),
		chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-rejection]`)),
	)
	if err != nil {
		t.Fatalf("open the edit form: %v", err)
	}
	fits(t, editor, "edit form")
	reason, _ := chromedp.Run(editor, chromedp.Text(chromedp.CSS(`[data-rejection]`)))
	if !strings.Contains(reason, "Ghi rõ khu vực bị cắt điện") || !strings.Contains(reason, "duyet") {
		t.Errorf("the edit form shows the rejection as %q", reason)
	}
	err = chromedp.Do(editor,
		chromedp.Clear(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "Cắt điện khu vực chợ ngày 5/12"),
		noFlash, chromedp.Click(chromedp.CSS(`button[value=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-progress-ids]`)),
	)
	if err != nil {
		t.Fatalf("resubmit: %v", err)
	}
	if f := flashText(t, editor); !strings.Contains(f, "chờ duyệt") {
		t.Errorf("after resubmitting: %q", f)
	}
	if got, _ := l.store.Notice(ctx, n.ID); got.Status != notices.StatusPending || got.Title != "Cắt điện khu vực chợ ngày 5/12" {
		t.Fatalf("after resubmitting: %s %q", got.Status, got.Title)
	}

	// The approver approves it through the confirmation page.
	err = chromedp.Do(approver,
		chromedp.Navigate(noticeURL),
		chromedp.Click(chromedp.CSS(`a[data-approve]`)),
		chromedp.WaitVisible(chromedp.CSS(`[role=alertdialog]`)),
	)
	if err != nil {
		t.Fatalf("open the approval confirmation: %v", err)
	}
	fits(t, approver, "approval confirmation")
	if got, _ := l.store.Notice(ctx, n.ID); got.Status != notices.StatusPending {
		t.Fatalf("the confirmation page approved already: %s", got.Status)
	}
	if err := chromedp.Do(approver, noFlash, chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`))); err != nil {
		t.Fatalf("confirm the approval: %v", err)
	}
	if f := flashText(t, approver); !strings.Contains(f, "Đã duyệt") {
		t.Fatalf("after confirming: %q", f)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(l.sim.Messages(groups[0].ID)) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if ms := l.sim.Messages(groups[0].ID); len(ms) != 1 || !strings.Contains(ms[0].Text, "Cắt điện khu vực chợ ngày 5/12") {
		t.Fatalf("the hamlet received %+v; want the edited notice", ms)
	}
	if ms := l.sim.Messages(groups[2].ID); len(ms) != 1 {
		t.Errorf("the test group has %d messages; want only the test send", len(ms))
	}

	// Turning a hamlet off: back out once, then confirm.
	offSel := `a[href="/hamlets/` + l.codes[1] + `/active"]`
	err = chromedp.Do(admin,
		chromedp.Navigate(l.url+"/hamlets"),
		chromedp.Click(chromedp.CSS(offSel)),
		chromedp.WaitVisible(chromedp.CSS(`[role=alertdialog]`)),
	)
	if err != nil {
		t.Fatalf("open the hamlet confirmation: %v", err)
	}
	fits(t, admin, "hamlet confirmation")
	if err := chromedp.Do(admin, chromedp.Click(chromedp.CSS(`[role=alertdialog] a.button.secondary`)), chromedp.WaitVisible(chromedp.CSS(offSel))); err != nil {
		t.Fatalf("back out: %v", err)
	}
	if h, _ := l.store.HamletByCode(ctx, l.codes[1]); !h.Active {
		t.Fatalf("backing out turned the hamlet off")
	}
	err = chromedp.Do(admin,
		chromedp.Click(chromedp.CSS(offSel)),
		noFlash, chromedp.Click(chromedp.CSS(`form[action$="/active"] button`)),
	)
	if err != nil {
		t.Fatalf("confirm turning off: %v", err)
	}
	if f := flashText(t, admin); !strings.Contains(f, "Đã tắt") {
		t.Errorf("after turning off: %q", f)
	}
	if h, _ := l.store.HamletByCode(ctx, l.codes[1]); h.Active {
		t.Errorf("the confirmed hamlet is still on")
	}

	// Locking an account asks first too.
	err = chromedp.Do(admin,
		chromedp.Navigate(l.url+"/users"),
		chromedp.Click(chromedp.CSS(`a[href="/users/bien/active"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[role=alertdialog]`)),
	)
	if err != nil {
		t.Fatalf("open the lock confirmation: %v", err)
	}
	if u, _ := l.store.UserByName(ctx, "bien"); !u.Active {
		t.Errorf("the lock confirmation locked the account")
	}
	for _, p := range []string{"/templates", "/templates/1"} {
		if err := chromedp.Do(admin, chromedp.Navigate(l.url+p), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		fits(t, admin, p)
	}
}

func countAll(hd []notices.HamletDeliveries) int {
	n := 0
	for _, h := range hd {
		for _, c := range h.Count {
			n += c
		}
	}
	return n
}

// TestBrowserComposeErrorsOnce: with the page's script running (its live
// preview fills the schedule box), a refused form shows each error once.
func TestBrowserComposeErrorsOnce(t *testing.T) {
	browser := newChrome(t)
	l := newLive(t)
	for _, sc := range screens {
		t.Run(sc.name, func(t *testing.T) {
			u := sized(t, browser, sc)
			signIn(t, u, l.url, "bien")
			err := chromedp.Do(u,
				chromedp.Navigate(l.url+"/compose"),
				chromedp.SendKeys(chromedp.ID("body"), "Nội dung"),
				chromedp.Click(chromedp.CSS(`input[name=when][value=repeat]`)),
				chromedp.SetValue(chromedp.ID("repeat"), "cron"),
				chromedp.Click(chromedp.CSS(`button[value=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`p.field-error[role=alert]`)),
				// Let the live preview answer and fill the schedule box.
				waitJS(`document.querySelector('[data-counter]').textContent.includes('phần')`),
			)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
			texts, err := chromedp.Run(u, chromedp.Evaluate[[]string](
				`[...document.querySelectorAll('.field-error')].map(e => e.textContent.trim())`))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, x := range texts {
				seen[x]++
			}
			for x, c := range seen {
				if c > 1 {
					t.Errorf("%q is shown %d times", x, c)
				}
			}
			if seen["Tiêu đề không được để trống; hãy nhập tiêu đề."] != 1 {
				t.Errorf("errors shown: %q; want the title's", texts)
			}
			fits(t, u, "refused compose form")
		})
	}
}
