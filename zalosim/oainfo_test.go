package zalosim

import "testing"

// getoa names the OA an access token acts for: each OA's token its own OA,
// and a token of none is -216 like any call.
func TestOAInfoNamesTheTokensOA(t *testing.T) {
	ts := NewTestServer(t, twoOAs()...)
	for _, c := range []struct{ id, name string }{{oaA, "UBND xã An Phú"}, {oaB, "UBND xã Khánh Bình"}} {
		r := getAPI(t, ts.URL, PathOAInfo, oaCreds(t, ts, c.id).AccessToken)
		if errCode(t, r) != 0 {
			t.Fatalf("getoa for %s: %s", c.id, r.raw)
		}
		if id, _ := r.get("data.oa_id"); id != c.id {
			t.Errorf("getoa with %s's token: oa_id %v; want %s (%s)", c.id, id, c.id, r.raw)
		}
		if name, _ := r.get("data.name"); name != c.name {
			t.Errorf("getoa with %s's token: name %v; want %s", c.id, name, c.name)
		}
	}
	if got := errCode(t, getAPI(t, ts.URL, PathOAInfo, "no-such-token")); got != CodeInvalidToken {
		t.Errorf("getoa with an unknown token: error %d; want -216", got)
	}
}
