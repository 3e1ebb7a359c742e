package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

func TestRateLimitSeenFromZaloHeaders(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithRatePerMin(50))
	c, _ := newSimClient(t, fake)
	if _, ok := c.RateLimitSeen(); ok {
		t.Fatal("RateLimitSeen reports headers before any call")
	}
	if _, err := c.ListGroups(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen, ok := c.RateLimitSeen()
	if !ok || seen.Limit != 50 || seen.Remain >= 50 || seen.Remain < 40 {
		t.Errorf("RateLimitSeen = %+v, %v; want limit 50 and a few calls used", seen, ok)
	}
}

func TestAssetExpiry(t *testing.T) {
	vn := time.FixedZone("ICT", 7*3600)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"10/10/2024", time.Date(2024, 10, 10, 23, 59, 59, 0, vn), true}, // Zalo's documented form: the whole day
		{"1/2/2027", time.Date(2027, 2, 1, 23, 59, 59, 0, vn), true},
		{"1790000000000", time.UnixMilli(1790000000000), true},
		{"", time.Time{}, false},
		{"mãi mãi", time.Time{}, false},
	} {
		got, ok := bot.GroupDetail{AssetValidThrough: tc.in}.AssetExpiry()
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("AssetExpiry(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
