package zalosimtest_test

import (
	"testing"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

func TestServerExposesEachOA(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(zalosim.GenerateOAs(3, 2, 0)...))
	if len(fake.OAs) != 3 || fake.OAID != zalosim.GeneratedOAID(1) || fake.RefreshToken != fake.OAs[0].RefreshToken {
		t.Fatalf("OAs = %+v, OAID %s; want 3 with the first as the default", fake.OAs, fake.OAID)
	}
	c := fake.OA(t, zalosim.GeneratedOAID(2))
	if c.AppID != fake.AppID || c.RefreshToken == "" || c.RefreshToken == fake.RefreshToken || c.AccessToken == fake.AccessToken {
		t.Errorf("OA 2's credentials %+v; want the app's id and a pair of its own", c)
	}
	if got := fake.GroupsOf(c.OAID); len(got) != 2 || got[0].ID != zalosim.GeneratedGroupID(2, 1) {
		t.Errorf("OA 2's groups = %+v", got)
	}
	single := zalosimtest.New(t)
	if len(single.OAs) != 1 || single.OAs[0].OAID != single.OAID || len(single.GroupsOf(single.OAID)) != 3 {
		t.Errorf("the single-OA server: OAs %+v", single.OAs)
	}
}
