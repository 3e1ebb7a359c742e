package schedule_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
)

// TestProvinceSlowOADoesNotHoldOthers: xa-a's OA may send 60 calls a
// minute (its package), and 120 of its deliveries are being sent when
// xa-b's notice is made: that goes out within a couple of seconds through
// its own OA, not after xa-a's backlog. Claimed beyond what xa-a's OA could
// send, xa-a's rows sat in line, and in the sends in flight, ahead of
// xa-b's while xa-b's OA and the app were idle (the outside tester's F9:
// 69 s for xa-b behind a 96-row backlog at 60 a minute).
func TestProvinceSlowOADoesNotHoldOthers(t *testing.T) {
	t.Run("OA limit", func(t *testing.T) {
		// The sends in flight are sized by the app's limit.
		backlogThenNotice(t, newProvinceRigApp(t, "", 60, 4000))
	})
	t.Run("app limit", func(t *testing.T) {
		// The app's limit is what holds the backlog: 2 a second. Two
		// batches of 64 claimed ahead were a minute of its sends.
		backlogThenNotice(t, newProvinceRigApp(t, "", 0, 120))
	})
}

// backlogThenNotice makes 120 deliveries of xa-a, starts p's runner, and
// 3 s later a notice of xa-b: that must reach its 2 groups behind at most
// 12 more of xa-a's sends.
func backlogThenNotice(t *testing.T, p *provinceRig) {
	for i := range 60 {
		p.notice(notices.Notice{Title: fmt.Sprintf("Tồn đọng %d", i), Commune: "xa-a"})
	}
	if err := p.runner.Start(p.ctx); err != nil {
		t.Fatal(err)
	}
	defer p.runner.Stop(p.ctx)
	time.Sleep(3 * time.Second) // xa-a's 120 deliveries are being sent
	before, _ := count(p)
	t0 := time.Now()
	p.notice(notices.Notice{Title: "Họp xã B", Commune: "xa-b"})
	for {
		backlog, b := count(p)
		if b == 2 {
			// Behind it: what was claimed already, the sends in flight and
			// two of the (rate-sized) batches; not the backlog.
			if ahead := backlog - before; ahead > 12 {
				t.Errorf("xa-b's notice reached its 2 groups %v after it was made, behind %d more of xa-a's 120; "+
					"want behind 12 at most", time.Since(t0).Round(100*time.Millisecond), ahead)
			}
			break
		}
		if time.Since(t0) > 30*time.Second {
			t.Fatalf("30 s after it was made xa-b's notice had reached %d of its 2 groups (xa-a's backlog: %d of 120 gone)", b, backlog)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := p.sent("Họp xã B"); len(got[zalosim.GeneratedGroupID(2, 1)]) != 1 || len(got[zalosim.GeneratedGroupID(2, 2)]) != 1 {
		t.Errorf("xa-b's notice: %v; want once in each of its groups", got)
	}
}

// count counts the messages of xa-a's backlog and of xa-b's notice.
func count(p *provinceRig) (backlog, b int) {
	for _, m := range p.sim.AllMessages() {
		switch {
		case strings.Contains(m.Text, "Tồn đọng"):
			backlog++
		case strings.Contains(m.Text, "Họp xã B"):
			b++
		}
	}
	return
}
