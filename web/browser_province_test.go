package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loaxa/loaxa/notices"
)

// TestBrowserProvinceCompose: in a real browser, a province editor picks
// commune B in the header (the dashboard narrows to it), then "Toàn tỉnh",
// and writes a province notice for commune B and for one of commune A's
// hamlets; the province approver sees it waiting.
func TestBrowserProvinceCompose(t *testing.T) {
	browser := newChrome(t)
	p := newProvince(t)
	base := p.srv.URL
	ed := userContext(t, browser)
	signIn(t, ed, base, "tinh-bien")

	pick := func(code string) {
		t.Helper()
		err := chromedp.Do(ed,
			chromedp.SetValue(chromedp.ID("scope-xa"), code),
			chromedp.Click(chromedp.CSS(`form[action="/scope"] button`)),
			chromedp.WaitReady(chromedp.CSS(`#scope-xa option[value="`+code+`"][selected]`)),
		)
		if err != nil {
			t.Fatalf("pick %q: %v", code, err)
		}
	}
	pick("xa-b")
	text, err := chromedp.Run(ed, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil || !strings.Contains(text, "Tin riêng xã B") || strings.Contains(text, "Tin riêng xã A") {
		t.Fatalf("at xa-b the dashboard shows (%v):\n%s", err, text)
	}
	pick("")
	sel, _ := chromedp.Run(ed, chromedp.Evaluate[string](`document.getElementById('scope-xa').value`))
	if sel != "" {
		t.Errorf("after picking toàn tỉnh the selector shows %q", sel)
	}
	err = chromedp.Do(ed,
		chromedp.Navigate(base+"/compose"),
		chromedp.WaitVisible(chromedp.CSS(`[data-province]`)),
		chromedp.SendKeys(chromedp.ID("title"), "Triều cường"),
		chromedp.SendKeys(chromedp.ID("body"), "Triều cường dâng cao tối nay; bà con kê cao đồ đạc."),
		chromedp.Click(chromedp.CSS(`input[name=priority][value=urgent]`)),
		chromedp.Click(chromedp.CSS(`input[name=target_mode][value=list]`)),
		chromedp.Click(chromedp.CSS(`input[name=targets][value="xa-b/ap-b"]`)),
		chromedp.Click(chromedp.CSS(`input[name=targets][value="xa/khom-2"]`)),
		chromedp.Click(chromedp.CSS(`button[value=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-progress-ids]`)),
	)
	if err != nil {
		t.Fatalf("compose: %v", err)
	}
	ns, err := p.store.Notices(context.Background(), notices.NoticeFilter{Commune: notices.Province, Text: "Triều cường"})
	if err != nil || len(ns) != 1 {
		t.Fatalf("province notices titled Triều cường: %d (%v)", len(ns), err)
	}
	if n := ns[0]; n.Status != notices.StatusPending || strings.Join(n.Targets, ",") != "xa-b/ap-b,xa/khom-2" &&
		strings.Join(n.Targets, ",") != "xa/khom-2,xa-b/ap-b" {
		t.Errorf("the province notice: %s, targets %v", n.Status, n.Targets)
	}

	// At a phone's size the header with its selector fits the screen.
	if err := chromedp.Do(ed, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dashboard", "/compose", "/public"} {
		if err := chromedp.Do(ed, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		if ok, err := chromedp.Run(ed, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); err != nil || !ok {
			t.Errorf("%s overflows a 390 px screen (%v)", path, err)
		}
	}

	ap := userContext(t, browser)
	signIn(t, ap, base, "tinh-duyet")
	text, err = chromedp.Run(ap, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil || !strings.Contains(text, "Triều cường") {
		t.Errorf("the province approver's dashboard lacks the new notice (%v):\n%s", err, text)
	}
}
