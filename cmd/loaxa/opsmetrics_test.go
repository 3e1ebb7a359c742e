package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// metric reads one sample from base's /metrics; ok is false when absent.
func metric(t *testing.T, base, series string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v, true
}

func TestMetricsGMFPackageExpiry(t *testing.T) {
	soon := time.Now().Add(3 * 24 * time.Hour).Truncate(time.Millisecond)
	sim := zalosimtest.New(t, zalosim.WithGroups(
		zalosim.Group{ID: "g1", Name: "Khóm 1", ValidThrough: soon},
		zalosim.Group{ID: "g2", Name: "Khóm 2"},
	))
	c := simCLI(t, sim)
	first, _, stop := c.serve() // connects
	waitConnected(t, first)
	stop()
	c.ok("hamlet", "sync")
	sim.AddGroup(zalosim.Group{ID: "g2", Name: "Khóm 2", Disabled: true}) // disabled after it was added
	c.ok("hamlet", "sync")                                                // a fresh check of every group
	base, _, _ := c.serve()
	waitFor(t, "both groups' facts in /metrics", func() bool {
		_, ok1 := metric(t, base, `loaxa_zalo_package_expiry_timestamp_seconds{hamlet="khom-1"}`)
		_, ok2 := metric(t, base, `loaxa_zalo_group_enabled{hamlet="khom-2"}`)
		return ok1 && ok2
	})
	// Zalo gives the last valid day, dd/mm/yyyy (§12): the package runs to
	// the end of that day in Vietnam.
	vn := time.FixedZone("ICT", 7*3600)
	d := soon.In(vn)
	end := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, vn)
	if v, _ := metric(t, base, `loaxa_zalo_package_expiry_timestamp_seconds{hamlet="khom-1"}`); int64(v) != end.Unix() {
		t.Errorf("package expiry of khom-1 = %v; want %d (the end of %s)", v, end.Unix(), d.Format("02/01/2006"))
	}
	if v, ok := metric(t, base, `loaxa_zalo_group_enabled{hamlet="khom-2"}`); !ok || v != 0 {
		t.Errorf("loaxa_zalo_group_enabled of the disabled group = %v, %v; want 0", v, ok)
	}
	if v, _ := metric(t, base, `loaxa_zalo_group_enabled{hamlet="khom-1"}`); v != 1 {
		t.Errorf("loaxa_zalo_group_enabled of khom-1 = %v; want 1", v)
	}
	v, ok := metric(t, base, "loaxa_zalo_refresh_token_expiry_timestamp_seconds")
	if want := float64(time.Now().Add(90 * 24 * time.Hour).Unix()); !ok || v < want-60 || v > want+60 {
		t.Errorf("refresh token expiry = %v; want about %v (saved now + 90 days)", v, want)
	}
	if v, ok := metric(t, base, `loaxa_send_outcomes_total{outcome="failed"}`); !ok || v != 0 {
		t.Errorf("failed outcomes = %v, %v; want a 0 sample from the start", v, ok)
	}
}

func TestMetricsOldestDueSkipsQuietHours(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	c.env["ZALO_REFRESH_TOKEN"] = "refused-by-zalo" // disconnected: nothing goes out, everything waits
	vn, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	now := time.Now().In(vn)
	c.env["LOAXA_QUIET_HOURS"] = fmt.Sprintf("%s-%s", now.Add(-time.Hour).Format("15:04"), now.Add(time.Hour).Format("15:04"))
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", sim.Groups()[0].ID)
	c.ok("notice", "add", "--title", "Thường", "--body", "Chờ đến sáng.", "--approve")
	base, _, _ := c.serve()
	waitFor(t, "a poll cycle", func() bool {
		v, _ := metric(t, base, `loaxa_deliveries{state="queued"}`)
		return v == 1
	})
	time.Sleep(1100 * time.Millisecond)
	if v, ok := metric(t, base, "loaxa_oldest_due_delivery_age_seconds"); !ok || v != 0 {
		t.Errorf("oldest due age = %v, %v with only a normal delivery in quiet hours; want 0", v, ok)
	}
	c.ok("notice", "add", "--title", "Khẩn", "--body", "Bão đến.", "--priority", "urgent", "--approve")
	waitFor(t, "the urgent delivery to count as waiting", func() bool {
		v, _ := metric(t, base, "loaxa_oldest_due_delivery_age_seconds")
		return v >= 1
	})
}
