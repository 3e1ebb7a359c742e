package notices_test

import (
	"context"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestCommunesVersion: the fingerprint changes with each change the
// daemon's routing follows (a commune added, disabled, enabled, its rate
// limit or code changed), and not with a change it does not (a name, a
// hamlet, a notice).
func TestCommunesVersion(t *testing.T) {
	s, _ := openProvince(t)
	ctx := context.Background()
	last, err := s.CommunesVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	step := func(what string, changes bool, f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		v, err := s.CommunesVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if (v != last) != changes {
			t.Errorf("%s: version %q → %q; want changed %v", what, last, v, changes)
		}
		last = v
	}
	step("add", true, func() error {
		return s.CreateCommune(ctx, "test", &notices.Commune{Code: "xa-moi", Name: "UBND xã Mới"})
	})
	step("disable", true, func() error { return s.SetCommuneActive(ctx, "test", "xa-moi", false) })
	step("enable", true, func() error { return s.SetCommuneActive(ctx, "test", "xa-moi", true) })
	step("rate limit", true, func() error {
		return s.UpdateCommune(ctx, "test", &notices.Commune{Code: "xa-moi", Name: "UBND xã Mới", RatePerMin: 50})
	})
	step("rename", true, func() error { return s.RenameCommune(ctx, "test", "xa-moi", "xa-moi-2") })
	step("footer name", false, func() error {
		return s.UpdateCommune(ctx, "test", &notices.Commune{Code: "xa-moi-2", Name: "UBND xã Mới Hai", RatePerMin: 50})
	})
	step("hamlet", false, func() error {
		return s.CreateHamlet(ctx, "test", &notices.Hamlet{Commune: "xa-moi-2", Code: "ap-9", Name: "Ấp 9", GroupID: "g-ap-9"})
	})
}
