package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// TestServeProvinceConnectFromSite: `loaxa serve` on two communes, xa-a
// connected and xa-b never connected. xa-a's notice goes out, xa-b's waits.
// A province admin connects xa-b's OA on the site (the OAuth v4 flow
// against the simulator over HTTP): the running daemon sends xa-b's notice
// through xa-b's own OA, with no restart, and xa-a goes on through its own.
func TestServeProvinceConnectFromSite(t *testing.T) {
	oas := zalosim.GenerateOAs(2, 2, 0)
	sim := zalosimtest.New(t, zalosim.WithOAs(oas...))
	c := simCLI(t, sim)
	delete(c.env, "ZALO_REFRESH_TOKEN")
	c.env["LOAXA_COMMUNE"] = "UBND xã A"
	c.ok("commune", "add", "--code", "xa-b", "--name", "UBND xã B")
	for i, code := range []string{"xa-a", "xa-b"} {
		var csv strings.Builder
		csv.WriteString("code,name,group_id\n")
		for j, g := range oas[i].Groups {
			fmt.Fprintf(&csv, "ap-%d,Ấp %d,%s\n", j+1, j+1, g.ID)
		}
		c.ok("hamlet", "import", "--commune", code, writeFile(t, code+".csv", csv.String()))
	}
	if out, errOut, rc := c.run(sim.OAs[0].RefreshToken+"\n", "zalo", "connect", "--commune", "xa-a", "--refresh-token-file", "-"); rc != 0 {
		t.Fatalf("zalo connect --commune xa-a = %d %s %s", rc, out, errOut)
	}
	const pw = "mot-cau-mat-khau-dai"
	c.ok("user", "add", "--province", "--name", "tinh", "--role", "admin", "--password-file", writeFile(t, "pw", pw+"\n"))
	for _, code := range []string{"xa-a", "xa-b"} {
		c.ok("notice", "add", "--commune", code, "--title", "Họp "+code, "--body", "Họp dân lúc 19 giờ.", "--hamlets", "ap-1", "--approve")
	}
	base, log, stop := c.serve()
	owner := ownerOf(oas)
	waitFor(t, "xa-a's notice sent", func() bool { return deliveryStates(t, c)["sent"] == 1 })
	if got := sentFrom(t, sim, owner, "Họp xa-b"); len(got) != 0 {
		t.Fatalf("xa-b's notice went out before xa-b was connected: %v", got)
	}

	cl := &http.Client{Jar: newJar(t), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login(t, cl, base, "tinh", pw)
	page := pageOf(t, cl, base+"/zalo?xa=xa-b")
	m := regexp.MustCompile(`action="/zalo/connect\?xa=xa-b">\s*<input type="hidden" name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "chưa kết nối") {
		t.Fatalf("xa-b's Zalo page has no connect form, or does not say it is not connected:\n%s", page)
	}
	resp, err := cl.PostForm(base+"/zalo/connect?xa=xa-b", url.Values{"csrf_token": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	zalo := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(zalo, sim.URL+"/v4/oa/permission") {
		t.Fatalf("connect: %d to %q", resp.StatusCode, zalo)
	}
	// On Zalo's page the admin of xa-b's OA grants the app.
	if resp, err = cl.Get(zalo + "&auto=1&oa_id=" + oas[1].ID); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back, base+"/zalo/callback?") {
		t.Fatalf("Zalo's page: %d to %q", resp.StatusCode, back)
	}
	if resp, err = cl.Get(back); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/zalo?xa=xa-b" {
		t.Fatalf("callback: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), tail(log.String(), 20))
	}
	waitFor(t, "xa-b's notice sent after connecting on the site", func() bool { return deliveryStates(t, c)["sent"] == 2 })
	if got := sentFrom(t, sim, owner, "Họp xa-b"); len(got) != 1 || got[oas[1].Groups[0].ID] != 1 {
		t.Errorf("xa-b's notice reached %v; want xa-b's ap-1 once, from xa-b's OA", got)
	}
	if page := pageOf(t, cl, base+"/zalo?xa=xa-b"); !strings.Contains(page, "Đã kết nối Zalo OA của UBND xã B") {
		t.Errorf("no confirmation on xa-b's page:\n%.2000s", page)
	}
	// xa-a still sends through its own OA.
	c.ok("notice", "add", "--commune", "xa-a", "--title", "Lần hai xa-a", "--body", "Lần hai.", "--hamlets", "ap-2", "--approve")
	waitFor(t, "xa-a's second notice sent", func() bool { return deliveryStates(t, c)["sent"] == 3 })
	if got := sentFrom(t, sim, owner, "Lần hai xa-a"); got[oas[0].Groups[1].ID] != 1 {
		t.Errorf("xa-a's second notice reached %v", got)
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}

// pageOf fetches url with cl and returns the body; it fails on a network error.
func pageOf(t *testing.T, cl *http.Client, u string) string {
	t.Helper()
	resp, err := cl.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
