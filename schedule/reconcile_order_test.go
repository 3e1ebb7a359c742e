package schedule_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
)

// reconciledOrder lists the notices of the "delivery reconciled" log
// lines, in the order they were logged.
func (r *rig) reconciledOrder() []int64 {
	var out []int64
	for _, line := range strings.Split(r.logs.String(), "\n") {
		var e struct {
			Message  string `json:"message"`
			NoticeID int64  `json:"notice_id"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && strings.HasPrefix(e.Message, "delivery reconciled") {
			out = append(out, e.NoticeID)
		}
	}
	return out
}

// Deliveries of unknown outcome are settled urgent first: an ordinary
// notice to 8 groups (made first: its rows come first by id) and an urgent
// one to a ninth were sent and every answer lost; the histories are read 8 groups at a time, each read
// slow, and the urgent group's is among the first, not after every
// ordinary one. Nothing is resent before it is settled, nothing twice.
func TestReconcileSettlesUrgentFirst(t *testing.T) {
	var gs []zalosim.Group
	for i := range 9 {
		gs = append(gs, zalosim.Group{ID: fmt.Sprintf("%020d", 900+i), Name: fmt.Sprintf("Khóm %d", i+1), Members: 10})
	}
	r := newRig(t, "2026-11-27 09:00", withSim(zalosim.WithGroups(gs...)))
	var ordinaryTargets []string
	for i := range 8 {
		ordinaryTargets = append(ordinaryTargets, fmt.Sprintf("khom-%d", i+1))
	}
	r.sim.FailNext(9, zalosim.FaultLostAnswer.On(zalosim.PathGroupMessage))
	ord := r.notice(notices.Notice{Title: "Họp tổ dân phố", Targets: ordinaryTargets})
	urg := r.notice(notices.Notice{Title: "Cảnh báo lũ", Priority: notices.Urgent, Targets: []string{"khom-9"}})
	r.step() // the 9 sends: every answer lost
	if got := len(r.sim.AllMessages()); got != 9 {
		t.Fatalf("%d messages arrived; want the 9 whose answers were lost", got)
	}
	r.sim.SetDelay(300 * time.Millisecond) // each history read is slow
	r.step()
	r.sim.SetDelay(0)
	order := r.reconciledOrder()
	if len(order) != 9 {
		t.Fatalf("reconciled %d deliveries (%v); want 9", len(order), order)
	}
	pos := -1
	for i, id := range order {
		if id == urg.ID {
			pos = i
		}
	}
	if pos < 0 || pos == len(order)-1 {
		t.Errorf("reconciliation order %v: the urgent notice %d was settled at position %d of %d, after the ordinary ones; want it in the first batch",
			order, urg.ID, pos+1, len(order))
	}
	for range 3 {
		r.step()
	}
	for _, n := range []*notices.Notice{ord, urg} {
		for code, h := range r.deliveries(n.ID) {
			if h.State() != notices.DeliverySent {
				t.Errorf("notice %d, hamlet %s: %s; want sent", n.ID, code, h.State())
			}
		}
	}
	ordinary, urgent := r.received("Họp tổ dân phố"), r.received("Cảnh báo lũ")
	for i, g := range gs {
		wantOrd, wantUrg := 1, 0
		if i == 8 {
			wantOrd, wantUrg = 0, 1
		}
		if ordinary[g.ID] != wantOrd || urgent[g.ID] != wantUrg {
			t.Errorf("group %s received %d ordinary and %d urgent; want %d and %d", g.ID, ordinary[g.ID], urgent[g.ID], wantOrd, wantUrg)
		}
	}
}

// An urgent delivery whose answer was lost waits AnswerSettle before its
// group's history is read; meanwhile its commune is claimed urgent only:
// an ordinary notice that fell due then waits until the urgent one is
// settled, and then goes out. The urgent one is never sent twice.
func TestUrgentAwaitingReconcileHoldsOrdinaryClaims(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00", withConfig(func(c *schedule.Config) { c.AnswerSettle = 10 * time.Second }))
	r.sim.FailNext(1, zalosim.FaultLostAnswer.On(zalosim.PathGroupMessage))
	urg := r.notice(notices.Notice{Title: "Cảnh báo lũ", Priority: notices.Urgent, Targets: []string{"khom-1"}})
	r.step() // sent, answer lost: settled 10 s after the call
	ord := r.notice(notices.Notice{Title: "Họp tổ dân phố"})
	r.step()
	if got := r.received("Họp tổ dân phố"); len(got) != 0 {
		t.Errorf("the ordinary notice went to %d groups while the urgent one waited to be reconciled; want none yet", len(got))
	}
	r.clock.Add(10 * time.Second)
	for range 3 {
		r.step()
	}
	for _, n := range []*notices.Notice{urg, ord} {
		for code, h := range r.deliveries(n.ID) {
			if h.State() != notices.DeliverySent {
				t.Errorf("notice %d, hamlet %s: %s; want sent", n.ID, code, h.State())
			}
		}
	}
	if got := r.received("Cảnh báo lũ")[r.groups[0].ID]; got != 1 {
		t.Errorf("the urgent notice arrived %d times; want once", got)
	}
	r.exactlyOnce(ord, "Họp tổ dân phố")
}
