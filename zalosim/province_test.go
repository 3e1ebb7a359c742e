package zalosim

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// A province: 100 OAs × 18 groups (issue 14) starts fast, holds little
// memory, and each OA sees its own 18 groups only.
func TestProvinceSizedConfig(t *testing.T) {
	oas := GenerateOAs(100, 18, 100)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	s := New(Config{OAs: oas, RatePerMin: 4000}, zerolog.Nop())
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("100 OAs × 18 groups: New took %v, heap grew %d KiB", took, grew/1024)
	if took > time.Second {
		t.Errorf("New took %v; want well under a second", took)
	}
	if grew > 8<<20 {
		t.Errorf("heap grew %d KiB; want under 8 MiB", grew/1024)
	}
	runtime.KeepAlive(s)
	s.Close()

	ts := NewTestServer(t, WithOAs(oas...), WithRatePerMin(4000))
	if len(ts.OAs) != 100 || len(ts.Groups()) != 1800 {
		t.Fatalf("%d OAs, %d groups; want 100, 1800", len(ts.OAs), len(ts.Groups()))
	}
	for i, c := range ts.OAs {
		if c.OAID != GeneratedOAID(i+1) {
			t.Fatalf("OA %d id %s; want %s", i+1, c.OAID, GeneratedOAID(i+1))
		}
		r := getAPI(t, ts.URL, PathGroupsOfOA+"?offset=0&count=50", c.AccessToken)
		if total, _ := r.get("data.total"); fmt.Sprint(total) != "18" {
			t.Fatalf("OA %d lists %v groups; want 18", i+1, total)
		}
		own := GeneratedGroupID(i+1, 1+i%18)
		if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, c.AccessToken, textBody(own, "Cảnh báo triều cường"))); got != 0 {
			t.Fatalf("OA %d to its group: %d", i+1, got)
		}
		other := GeneratedGroupID((i+1)%100+1, 1)
		if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, c.AccessToken, textBody(other, "x"))); got != CodeNotInGroup {
			t.Fatalf("OA %d to the next OA's group: %d; want -403", i+1, got)
		}
	}
	if st := oaStats(t, ts, GeneratedOAID(57)); st.Requests != 3 || st.Sends != 1 || st.Groups != 18 || st.RatePerMin != 100 {
		t.Errorf("OA 57 stats = %+v", st)
	}
	start = time.Now()
	status, page := getPage(t, ts.URL+"/")
	t.Logf("index of 1800 groups: %d bytes in %v", len(page), time.Since(start))
	if status != 200 || strings.Count(page, `href="/groups/`) != 1800 || !strings.Contains(page, "UBND xã Mô Phỏng 100") {
		t.Errorf("index: %d, %d group links; want 1800", status, strings.Count(page, `href="/groups/`))
	}
}
