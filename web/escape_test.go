package web_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// evil is typed into every field that takes free text: markup, both
// quotes and an attribute that would run script if a value broke out.
const evil = `<evil-tag>"' onfocus="x`

// evilGroup fits a group id (no spaces).
const evilGroup = `<evil-tag>"'g`

// unescaped reports markup from evil that reached the page as markup.
func unescaped(body string) bool {
	return strings.Contains(body, "<evil-tag>") || strings.Contains(body, `onfocus="x`)
}

// TestEscaping puts markup and quotes in every field staff or other
// programs can fill, then reads every page, staff and public, and the feed.
func TestEscaping(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.zalo.health.Connected = false
	s.zalo.health.LastError = evil
	s.zalo.groups = append(s.zalo.groups, bot.Group{GroupID: evilGroup + "2", Name: evil})

	h := notices.Hamlet{Code: "ap-x", Name: evil, GroupID: evilGroup}
	if err := s.store.CreateHamlet(ctx, "test", &h); err != nil {
		t.Fatal(err)
	}
	u := notices.User{Username: "ten.la", DisplayName: evil, Role: notices.RoleEditor}
	if err := s.store.CreateUser(ctx, "test", &u, password); err != nil {
		t.Fatal(err)
	}
	sent := s.notice(notices.Notice{Title: evil, Body: evil + "\n\n" + evil, Category: evil, Author: "tacgia",
		Status: notices.StatusApproved})
	s.send(sent.ID, notices.DeliverySent, notices.DeliveryFailed) // the failure reason has markup too
	update := s.notice(notices.Notice{Title: evil, Body: evil, Kind: notices.KindUpdate, RefersTo: sent.ID,
		Author: "tacgia", Status: notices.StatusApproved})
	s.send(update.ID, notices.DeliverySent)
	rejected := s.notice(notices.Notice{Title: evil, Body: evil, Author: "tacgia"})
	if err := s.store.RejectNotice(ctx, rejected.ID, "duyet", evil); err != nil {
		t.Fatal(err)
	}
	recurring := s.notice(notices.Notice{Title: evil, Body: evil, Author: "tacgia", Recurrence: "0 7 * * 1",
		Status: notices.StatusApproved})
	pending := s.notice(notices.Notice{Title: evil, Body: evil, Author: "tacgia"})
	if _, err := s.store.CancelNotice(ctx, pending.ID, "duyet", evil); err != nil {
		t.Fatal(err)
	}
	if err := s.store.AppendAudit(ctx, notices.AuditEntry{Actor: evil, Action: evil, Detail: evil}); err != nil {
		t.Fatal(err)
	}

	b := s.signedIn("quantri")
	// Flash messages and kept input carry markup too.
	b.post("/hamlets", url.Values{"name": {evil + " 2"}, "group_id": {"g-flash"}})
	b.post("/hamlets/sync", nil)
	id := func(n *notices.Notice) string { return strconv.FormatInt(n.ID, 10) }
	pages := []string{
		"/dashboard", "/notices", "/notices?q=" + url.QueryEscape(evil), "/compose",
		"/compose?refers_to=" + id(sent), "/compose?refers_to=" + id(sent) + "&kind=cancel",
		"/notices/" + id(sent), "/notices/" + id(update), "/notices/" + id(rejected), "/notices/" + id(recurring),
		"/notices/" + id(pending), "/hamlets", "/hamlets/ap-x", "/users", "/zalo",
		"/audit", "/audit?actor=" + url.QueryEscape(evil) + "&notice=" + url.QueryEscape(evil),
		"/public", "/public?hamlet=ap-x", "/public/notices/" + id(sent), "/public/notices/" + id(update),
		"/nowhere/" + url.PathEscape(evil),
	}
	for _, p := range pages {
		resp, body := b.get(p)
		if resp.StatusCode >= 500 {
			t.Errorf("GET %s = %d", p, resp.StatusCode)
		}
		if unescaped(body) {
			t.Errorf("GET %s: markup from a field reached the page unescaped", p)
		}
	}
	// Pages that must show the value, escaped (proves the check looks at
	// rendered text, not at an empty page).
	for _, p := range []string{"/dashboard", "/notices/" + id(sent), "/users", "/public", "/hamlets", "/audit"} {
		if _, body := b.get(p); !strings.Contains(body, "&lt;evil-tag&gt;") {
			t.Errorf("GET %s does not show the escaped value", p)
		}
	}

	// Forms sent back with errors keep the input, escaped.
	forms := []struct {
		path string
		form url.Values
	}{
		{"/compose", url.Values{"title": {evil}, "body": {evil}, "category": {evil + evil}, "when": {"at"}, "at": {evil},
			"target_mode": {"list"}, "repeat": {"cron"}, "cron": {evil}, "expires": {evil}}},
		{"/compose", url.Values{"title": {evil}, "when": {"repeat"}, "repeat": {"cron"}, "cron": {evil}, "action": {"preview"}}},
		{"/hamlets", url.Values{"name": {evil}, "code": {evil}, "group_id": {evilGroup}}},
		{"/hamlets/ap-x", url.Values{"name": {""}, "code": {evil}, "group_id": {evil}}},
		{"/users", url.Values{"username": {evil}, "display_name": {evil}, "role": {evil}, "password": {"x"}, "password2": {"y"}}},
		{"/users/ten.la/password", url.Values{"password": {evil}, "password2": {evil}}},
	}
	for _, f := range forms {
		resp, body := b.post(f.path, f.form)
		if resp.StatusCode >= 500 {
			t.Errorf("POST %s = %d", f.path, resp.StatusCode)
		}
		if unescaped(body) {
			t.Errorf("POST %s: kept input reached the page unescaped", f.path)
		}
	}
	// JSON endpoints.
	for _, p := range []string{"/dashboard/progress.json?ids=" + id(sent), "/notices/" + id(sent) + "/progress.json"} {
		if _, body := b.get(p); unescaped(body) {
			t.Errorf("GET %s: markup unescaped in JSON", p)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/compose/preview", strings.NewReader(url.Values{
		"title": {evil}, "body": {evil}, "when": {"repeat"}, "repeat": {"cron"}, "cron": {evil}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", b.csrf)
	if _, body := b.do(req); unescaped(body) {
		t.Errorf("preview JSON: markup unescaped")
	}

	// The login page echoes the user name.
	c := s.browser()
	c.get("/login")
	if _, body := c.post("/login", url.Values{"username": {evil}, "password": {"x"}, "next": {evil}}); unescaped(body) {
		t.Errorf("login page: user name echoed unescaped")
	}

	// The feed: well-formed XML whose text is the value itself.
	_, feed := c.get("/public/feed.atom")
	if unescaped(feed) {
		t.Errorf("feed: markup unescaped")
	}
	var f struct {
		Entries []struct {
			Title   string `xml:"title"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(feed), &f); err != nil {
		t.Fatalf("feed is not XML: %v", err)
	}
	if len(f.Entries) == 0 || !strings.Contains(f.Entries[0].Title, evil) || !strings.Contains(f.Entries[0].Content, evil) {
		t.Errorf("feed entries %+v; want the title and body as text", f.Entries)
	}
}
