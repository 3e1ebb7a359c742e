package notices_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestAccountAuditIsItsCommunes: a commune account's sign-in, failed
// sign-in, sign-out, password change and lock are that commune's audit
// entries, so that its admin sees them; a province account's stay the
// province's.
func TestAccountAuditIsItsCommunes(t *testing.T) {
	s, _ := openProvince(t)
	ctx := context.Background()
	ph, err := s.CommuneByCode(ctx, "xa-phu-hoa")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []notices.User{
		{Username: "hoa.tran", Role: notices.RoleEditor, Commune: "xa-phu-hoa"},
		{Username: "tinh.qt", Role: notices.RoleAdmin, Commune: notices.Province},
	} {
		if err := s.CreateUser(ctx, "test", &u, "con mèo vàng trèo cây cau"); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"hoa.tran", "tinh.qt"} {
		u, err := s.UserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := s.CreateSession(ctx, u.ID, time.Hour, "", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.EndSession(ctx, token, name); err != nil {
			t.Fatal(err)
		}
		if err := s.LoginFailed(ctx, name, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RecordLoginFailure(ctx, name, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, "tinh.qt", name, "một mật khẩu mới đủ dài"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserActive(ctx, "tinh.qt", name, false); err != nil {
			t.Fatal(err)
		}
	}
	wantActions := "user.disable user.login user.login_failed user.login_failed user.logout user.password"
	of := func(communeID int64, who string) string {
		es, err := s.Audit(ctx, notices.AuditFilter{CommuneID: communeID, Action: "user."})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range es {
			if e.Actor == who || e.Detail == who {
				actions = append(actions, e.Action)
			}
		}
		sort.Strings(actions)
		return strings.Join(actions, " ")
	}
	if got := of(ph.ID, "hoa.tran"); got != wantActions {
		t.Errorf("Phú Hòa's audit log holds of hoa.tran's account: %q; want %q", got, wantActions)
	}
	all, err := s.Audit(ctx, notices.AuditFilter{Action: "user."})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if (e.Actor == "tinh.qt" && e.Detail != "hoa.tran" || e.Detail == "tinh.qt") && e.CommuneID != 0 {
			t.Errorf("province account's entry %s %s %q is commune %d's; want the province's", e.Actor, e.Action, e.Detail, e.CommuneID)
		}
	}
}
