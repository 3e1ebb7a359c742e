package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
)

// TestServeProvinceFollowsCommunesWhileRunning: while `loaxa serve` runs on
// three communes, other processes (the CLI) add a fourth commune, import
// its hamlets and connect its OA: its urgent notice reaches its groups from
// its own OA, without a restart. Then xa-b, holding two normal deliveries
// in quiet hours, is disabled: /healthz lists it disabled with its two
// queued deliveries, degraded, and the log says so once; enabled again,
// /healthz is ok.
func TestServeProvinceFollowsCommunesWhileRunning(t *testing.T) {
	four := zalosim.GenerateOAs(4, 2, 0)
	c, sim, _ := provinceCLI(t, 2, zalosim.WithOAs(four...))
	owner := ownerOf(four)
	loc := hcmZone(t)
	now := time.Now().In(loc)
	hm := func(t time.Time) string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }
	c.env["LOAXA_QUIET_HOURS"] = hm(now.Add(-time.Hour)) + "-" + hm(now.Add(2*time.Hour)) // normal notices wait
	base, log, stop := c.serve()
	defer func() {
		if stop != nil {
			_ = stop()
		}
	}()

	c.ok("commune", "add", "--code", "xa-d", "--name", "UBND xã D")
	var csv strings.Builder
	csv.WriteString("code,name,group_id\n")
	for j, g := range four[3].Groups {
		fmt.Fprintf(&csv, "ap-%d,Ấp %d,%s\n", j+1, j+1, g.ID)
	}
	c.ok("hamlet", "import", "--commune", "xa-d", writeFile(t, "xa-d.csv", csv.String()))
	if out, errOut, rc := c.run(sim.OAs[3].RefreshToken+"\n", "zalo", "connect", "--commune", "xa-d", "--refresh-token-file", "-"); rc != 0 {
		t.Fatalf("zalo connect --commune xa-d = %d %s %s", rc, out, errOut)
	}
	c.ok("notice", "add", "--commune", "xa-d", "--title", "Họp xã D", "--body", "Họp dân lúc 19 giờ.", "--priority", "urgent", "--approve")
	waitFor(t, "xa-d's notice sent", func() bool { return len(sentFrom(t, sim, owner, "Họp xã D")) == 2 })
	for _, g := range four[3].Groups {
		if n := sentFrom(t, sim, owner, "Họp xã D")[g.ID]; n != 1 {
			t.Errorf("group %s of the new commune got its notice %d times; want once", g.ID, n)
		}
	}

	c.ok("notice", "add", "--commune", "xa-b", "--title", "Lịch tiêm", "--body", "Tiêm chủng sáng mai.", "--approve")
	waitFor(t, "xa-b's notice queued", func() bool { return deliveryStates(t, c)["queued"] == 2 })
	c.ok("commune", "disable", "xa-b")
	var h healthzBody
	waitFor(t, "/healthz lists xa-b disabled", func() bool {
		h = provinceHealthz(t, base)
		return strings.Contains(strings.Join(h.Problems, "\n"), "xa-b (2)")
	})
	if h.Status != "degraded" {
		t.Errorf("/healthz status %s while disabled xa-b holds 2 deliveries; want degraded: %v", h.Status, h.Problems)
	}
	found := false
	for _, cm := range h.Communes {
		if cm.Code == "xa-b" {
			found = true
			if !cm.Paused || cm.QueueDepth != 2 {
				t.Errorf("xa-b in /healthz: %+v; want paused with 2 queued", cm)
			}
		}
	}
	if !found || len(h.Communes) != 4 {
		t.Errorf("/healthz communes = %+v; want all 4, xa-b among them", h.Communes)
	}
	time.Sleep(1500 * time.Millisecond) // a few poll cycles
	if k := strings.Count(log.String(), "commune disabled with deliveries still queued"); k != 1 {
		t.Errorf("the log said %d times that xa-b is disabled with deliveries queued; want once", k)
	}
	if got := sentFrom(t, sim, owner, "Lịch tiêm"); len(got) != 0 {
		t.Errorf("the disabled commune's notice went out: %v", got)
	}
	c.ok("commune", "enable", "xa-b")
	waitFor(t, "/healthz ok again", func() bool { h = provinceHealthz(t, base); return h.Status == "ok" })
	if !strings.Contains(log.String(), `"commune":"xa-d"`) || !strings.Contains(log.String(), "commune picked up") {
		t.Errorf("the log does not say that xa-d was picked up")
	}
	err := stop()
	stop = nil
	if err != nil {
		t.Errorf("serve: %v", err)
	}
}
