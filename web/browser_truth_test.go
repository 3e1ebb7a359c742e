package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loaxa/loaxa/notices"
)

// TestBrowserFailedHamletAndWithdrawal walks two stories in a real browser
// against the real daemon and simulator: a hamlet whose group the OA is not
// in shows as failed and the notice as "1 ấp lỗi", never as done; then the
// notice is withdrawn, and its public page, at desktop and phone sizes,
// says so at the top with a link to the withdrawal, which links back.
func TestBrowserFailedHamletAndWithdrawal(t *testing.T) {
	browser := newChrome(t)
	l := newLive(t)
	ctx := context.Background()
	outside := notices.Hamlet{Name: "Ấp Ngoài OA", GroupID: "00000000000000000403"} // the OA is not in it: -403
	if err := l.store.CreateHamlet(ctx, "test", &outside); err != nil {
		t.Fatal(err)
	}
	n := &notices.Notice{Title: "Họp dân khóm", Body: "Họp lúc 19 giờ tại nhà văn hóa.", Source: notices.SourceWeb,
		Author: "bien", Status: notices.StatusApproved}
	if err := l.store.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}

	editor := userContext(t, browser)
	signIn(t, editor, l.url, "bien")
	if err := chromedp.Do(editor, chromedp.Navigate(l.url+"/notices/"+itoa(n.ID))); err != nil {
		t.Fatal(err)
	}
	// The page, left open, shows the failed hamlet as such and counts it
	// in the notice's status.
	poll, cancel := context.WithTimeout(editor, 20*time.Second)
	defer cancel()
	_, err := chromedp.Run(poll, chromedp.Poll[bool](`(() => {
		const rows = [...document.querySelectorAll('[data-hamlet]')].map(e => e.textContent);
		const failed = rows.filter(r => r.includes('Ấp Ngoài OA') && r.includes('gửi lỗi'));
		const sent = rows.filter(r => r.includes('đã gửi'));
		const st = document.querySelector('[data-status]').textContent;
		return failed.length === 1 && sent.length === 3 && st.includes('1 ấp lỗi');
	})()`))
	if err != nil {
		rows, _ := chromedp.Run(editor, chromedp.Evaluate[string](
			`document.querySelector('.progress') ? document.querySelector('.progress').textContent : document.body.textContent`))
		t.Fatalf("the notice page does not show the failed hamlet as such: %v\n%s", err, rows)
	}
	for _, path := range []string{"/notices/" + itoa(n.ID), "/notices", "/dashboard"} {
		if err := chromedp.Do(editor, chromedp.Navigate(l.url+path)); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		sel := "main"
		if path == "/notices" {
			sel = "table" // not the status filter, which lists "đã gửi xong" as a choice
		}
		text, err := chromedp.Run(editor, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		if !strings.Contains(text, "1 ấp lỗi") || strings.Contains(text, "đã gửi xong") || strings.Contains(text, "Đã gửi xong") {
			t.Errorf("%s does not count the failed hamlet, or says done:\n%s", path, text)
		}
	}

	// Withdraw it: the follow-up goes to the three groups it reached.
	w := &notices.Notice{Title: "Hoãn họp dân khóm", Body: "Cuộc họp được hoãn.", Kind: notices.KindCancel,
		RefersTo: n.ID, Source: notices.SourceWeb, Author: "bien", Status: notices.StatusApproved}
	if err := l.store.CreateNotice(ctx, w); err != nil {
		t.Fatal(err)
	}
	resident := userContext(t, browser)
	if err := chromedp.Do(resident, chromedp.Navigate(l.url+"/public")); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		if err := chromedp.Do(resident, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			t.Fatal(err)
		}
		poll, cancel := context.WithTimeout(resident, 20*time.Second)
		_, err := chromedp.Run(poll, chromedp.Poll[bool](`(async () => {
			const r = await fetch('/public/notices/`+itoa(n.ID)+`');
			return (await r.text()).includes('đã bị hủy');
		})()`))
		cancel()
		if err != nil {
			t.Fatalf("the withdrawal never marked the original's public page: %v", err)
		}
		if err := chromedp.Do(resident, chromedp.Navigate(l.url+"/public/notices/"+itoa(n.ID))); err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(resident, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		mark, body := strings.Index(text, "Thông báo này đã bị hủy."), strings.Index(text, "Họp lúc 19 giờ")
		if mark < 0 || body < 0 || mark > body {
			t.Errorf("at %dx%d the withdrawn notice is not marked above its text:\n%s", size.w, size.h, text)
		}
		wide, err := chromedp.Run(resident, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		if err != nil || !wide {
			t.Errorf("at %dx%d the public page overflows the screen (%v)", size.w, size.h, err)
		}
		// Follow the link to the withdrawal, and from there back.
		err = chromedp.Do(resident,
			chromedp.Click(chromedp.CSS(`.public-mark a[href="/public/notices/`+itoa(w.ID)+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.public-mark a[href="/public/notices/`+itoa(n.ID)+`"]`)))
		back := ""
		if err == nil {
			back, err = chromedp.Run(resident, chromedp.Text(chromedp.CSS(".public-mark")))
		}
		if err != nil || !strings.Contains(back, "Hủy thông báo") || !strings.Contains(back, "Họp dân khóm") {
			t.Errorf("at %dx%d the withdrawal's page does not link back to the original: %q %v", size.w, size.h, back, err)
		}
	}
}
