package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// F7/F18: commune A's refresh token spent outside loaxa and its access
// token lapsed: its staff read why in Vietnamese, not Zalo's raw English;
// /zalo says the token cannot be renewed and when it last was; the
// province banner calls A lost (not "not connected") and gives A's
// command, A being the only one.
func TestZaloDeadTokenReadsInVietnamese(t *testing.T) {
	sp := newSimProvince(t)
	ctx := context.Background()
	admin := sp.signedIn("tinh-quantri")
	admin.get(sp.authorise(admin, "xa-b", sp.oaB.ID)) // B connected: A alone is wrong below

	cur, _ := sp.sim.OACredentials(sp.oaA.ID)
	req, _ := http.NewRequest(http.MethodPost, sp.sim.URL+"/v4/oa/access_token", strings.NewReader(url.Values{
		"refresh_token": {cur.RefreshToken}, "app_id": {sp.sim.AppID}, "grant_type": {"refresh_token"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header["secret_key"] = []string{sp.sim.AppSecret}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := sp.sim.ExpireAccessTokensOf(sp.oaA.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.clients[sp.a.ID].ListGroups(ctx); err == nil {
		t.Fatal("A's client still calls Zalo with a spent refresh token")
	}

	_, page := sp.signedIn("bien").get("/dashboard")
	banner := html.UnescapeString(bannerOf(page))
	for _, want := range []string{"Mất kết nối Zalo OA của " + sp.a.Name, "Mã làm mới (refresh token)", "--commune " + sp.a.Code} {
		if !strings.Contains(banner, want) {
			t.Errorf("A's editor's banner = %q; want %q", banner, want)
		}
	}
	if m := regexp.MustCompile(`(?i)zalo error|refresh token has|refresh zalo token|-140\d\d`).FindString(banner); m != "" {
		t.Errorf("A's editor's banner shows Zalo's raw error (%q): %q", m, banner)
	}

	_, page = admin.get("/zalo?xa=" + sp.a.Code)
	page = html.UnescapeString(page)
	for _, want := range []string{"mất kết nối", "không tự gia hạn được nữa", "Lỗi gần nhất</dt><dd>Mã làm mới (refresh token)"} {
		if !strings.Contains(page, want) {
			t.Errorf("A's /zalo lacks %q", want)
		}
	}
	if strings.Contains(page, "(tự gia hạn trước khi hết)") || strings.Contains(page, "Gia hạn gần nhất</dt><dd>—") {
		t.Errorf("A's /zalo promises a renewal or hides the last one:\n%s", page)
	}

	_, page = sp.signedIn("tinh-bien").get("/dashboard")
	banner = html.UnescapeString(bannerOf(page))
	if !strings.Contains(banner, sp.a.Name+" (mất kết nối)") || !strings.Contains(banner, "loaxa zalo connect --commune "+sp.a.Code+"»") ||
		strings.Contains(banner, "MÃ_XÃ") {
		t.Errorf("the province banner = %q; want A lost, with A's command", banner)
	}
}

// F14 on the site: a callback without its oa_id gets past the check made
// before the exchange; a code for commune A's OA started for B then
// stores the new pair as A's (the exchange superseded A's old pair), not
// B's, A's client takes it, and the admin is told B is still not
// connected.
func TestZaloCallbackCodeOfAnotherCommunesOAReconnectsThatCommune(t *testing.T) {
	sp := newSimProvince(t)
	ctx := context.Background()
	admin := sp.signedIn("tinh-quantri")
	_, aBefore, _, _ := sp.store.CommuneTokens(sp.a.ID).LoadZaloTokens(ctx)
	if err := sp.store.CommuneTokens(sp.a.ID).RecordZaloOA(ctx, sp.oaA.ID); err != nil {
		t.Fatal(err)
	}
	back, err := url.Parse(sp.authorise(admin, "xa-b", sp.oaA.ID))
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	q.Del("oa_id")
	back.RawQuery = q.Encode()
	admin.get(back.String())
	_, page := admin.get("/zalo?xa=xa-b")
	if msg := html.UnescapeString(flashOf(page)); !strings.Contains(msg, "Không kết nối "+sp.b.Name+" với OA này") ||
		!strings.Contains(msg, "là OA của "+sp.a.Name) || !strings.Contains(msg, "giữ nguyên như trước") {
		t.Errorf("B's page after a code of A's OA says %q", msg)
	}
	if _, r, _, _ := sp.store.CommuneTokens(sp.b.ID).LoadZaloTokens(ctx); r != "" {
		t.Errorf("B's stored refresh token = %q; want none: OA A is not B's", r)
	}
	cur, _ := sp.sim.OACredentials(sp.oaA.ID)
	if _, r, _, _ := sp.store.CommuneTokens(sp.a.ID).LoadZaloTokens(ctx); r == aBefore || r != cur.RefreshToken {
		t.Errorf("A's stored refresh token = %q (before %q); want OA A's newest, %q", r, aBefore, cur.RefreshToken)
	}
	if err := sp.sim.ExpireAccessTokensOf(sp.oaA.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.clients[sp.a.ID].ListGroups(ctx); err != nil {
		t.Errorf("A's client after: %v; want it to refresh with the new pair and call Zalo", err)
	}
	if sp.clients[sp.b.ID].Health().Connected {
		t.Error("B's client is connected to OA A")
	}
}
