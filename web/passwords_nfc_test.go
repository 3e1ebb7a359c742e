package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/loaxa/loaxa/notices"
)

// TestPasswordUnicodeForms: a password set in NFD (typed on a Mac) signs
// in through the site typed in NFC (a phone), and the other way round.
func TestPasswordUnicodeForms(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	const pw = "nắng sớm trên đồng"
	for name, set := range map[string]string{"mac": norm.NFD.String(pw), "phone": norm.NFC.String(pw)} {
		u := &notices.User{Username: name, Role: notices.RoleEditor}
		if err := s.store.CreateUser(ctx, "test", u, set); err != nil {
			t.Fatal(err)
		}
	}
	for name, typed := range map[string]string{"mac": norm.NFC.String(pw), "phone": norm.NFD.String(pw)} {
		b := s.browser()
		b.get("/login")
		resp, _ := b.post("/login", url.Values{"username": {name}, "password": {typed}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: password set in one form, typed in the other = %d; want 303", name, resp.StatusCode)
		}
	}
}
