package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserProvinceConnectsCommune: in a real browser, a province admin
// opens «Kết nối Zalo» at toàn tỉnh, sees commune B not connected, presses
// «Kết nối Zalo OA» on B's line, picks B's OA on the simulator's Zalo page
// and allows; the browser comes back to B's page, which says B is
// connected, and B's client sends.
func TestBrowserProvinceConnectsCommune(t *testing.T) {
	browser := newChrome(t)
	sp := newSimProvince(t)
	admin := userContext(t, browser)
	signIn(t, admin, sp.srv.URL, "tinh-quantri")
	if err := chromedp.Do(admin, chromedp.Navigate(sp.srv.URL+"/zalo")); err != nil {
		t.Fatal(err)
	}
	row, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`tr[data-zalo-commune="xa-b"]`)))
	if err != nil || !strings.Contains(row, "chưa kết nối") {
		t.Fatalf("B's line at toàn tỉnh: %q (%v)", row, err)
	}
	if banner, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`.banner`))); err != nil ||
		!strings.Contains(banner, "UBND xã Bình Hòa") {
		t.Errorf("the banner does not name B: %q (%v)", banner, err)
	}
	err = chromedp.Do(admin,
		chromedp.Click(chromedp.CSS(`form[action="/zalo/connect?xa=xa-b"] button`)),
		chromedp.WaitVisible(chromedp.ID("oa_id")),
		chromedp.SetValue(chromedp.ID("oa_id"), sp.oaB.ID),
		chromedp.Click(chromedp.CSS(`form[action="/v4/oa/permission"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-zalo-commune="xa-b"]`)),
	)
	if err != nil {
		t.Fatalf("connect B in the browser: %v", err)
	}
	status, _ := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`main`)))
	loc, _ := chromedp.Run(admin, chromedp.Location())
	if !strings.HasSuffix(loc, "/zalo?xa=xa-b") || !strings.Contains(status, "đang kết nối") {
		t.Errorf("after Zalo's page: at %s, showing:\n%s", loc, status)
	}
	flash, _ := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`.flash`)))
	if !strings.Contains(flash, "Đã kết nối Zalo OA của UBND xã Bình Hòa") {
		t.Errorf("flash %q", flash)
	}
	if !sp.clients[sp.b.ID].Health().Connected {
		t.Error("B's client is not connected")
	}
	if n, _ := chromedp.Run(admin, chromedp.Evaluate[int](`document.querySelectorAll('.banner').length`)); n != 0 {
		t.Errorf("a banner is still shown after B connected")
	}
}
