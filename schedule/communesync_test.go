package schedule_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
)

// addCommune adds commune xa-d on the simulator's fourth OA, with hamlets
// ap-1 and ap-2 on that OA's groups, as `loaxa commune add`, `loaxa zalo
// connect --commune xa-d` and `loaxa hamlet add` would while the daemon runs.
func (p *provinceRig) addCommune() int64 {
	p.t.Helper()
	c := notices.Commune{Code: "xa-d", Name: "UBND xã D"}
	if err := p.store.CreateCommune(p.ctx, "test", &c); err != nil {
		p.t.Fatal(err)
	}
	oa := p.sim.OAs[3]
	if err := p.store.CommuneTokens(c.ID).SaveZaloTokens(p.ctx, oa.AccessToken, oa.RefreshToken, time.Now().Add(time.Hour)); err != nil {
		p.t.Fatal(err)
	}
	for j := 1; j <= 2; j++ {
		g := zalosim.GeneratedGroupID(4, j)
		p.oaOf[g] = oa.OAID
		if err := p.store.CreateHamlet(p.ctx, "test", &notices.Hamlet{Commune: c.Code, Code: []string{"ap-1", "ap-2"}[j-1],
			Name: "Ấp", GroupID: g, Active: true}); err != nil {
			p.t.Fatal(err)
		}
	}
	p.commune[c.Code] = c.ID
	return c.ID
}

// communeHealth is commune code's line in h.
func communeHealth(t *testing.T, h schedule.Health, code string) schedule.CommuneHealth {
	t.Helper()
	for _, c := range h.Communes {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("/healthz lists no commune %s: %+v", code, h.Communes)
	return schedule.CommuneHealth{}
}

// TestProvinceCommuneAddedWhileRunning: a commune added while the runner
// runs (its poll loop, not a test's cycle) gets its notice delivered
// through its own OA, without a restart, and /healthz lists it connected.
func TestProvinceCommuneAddedWhileRunning(t *testing.T) {
	p := newProvinceRig(t, "")
	if err := p.runner.Start(p.ctx); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := p.runner.Stop(ctx); err != nil {
				t.Error(err)
			}
		}
	}
	defer stop()
	p.addCommune()
	p.notice(notices.Notice{Title: "Họp xã mới", Commune: "xa-d", Priority: notices.Urgent})
	deadline := time.Now().Add(15 * time.Second)
	for len(p.sent("Họp xã mới")) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	got := p.sent("Họp xã mới") // and checks that each went out from its group's OA
	for j := 1; j <= 2; j++ {
		if g := zalosim.GeneratedGroupID(4, j); len(got[g]) != 1 {
			t.Errorf("group %s of the new commune got %d messages; want 1, from its own OA: %v", g, len(got[g]), got)
		}
	}
	if len(got) != 2 {
		t.Errorf("the new commune's notice reached %d groups; want its 2", len(got))
	}
	if c := communeHealth(t, p.runner.Health(p.ctx), "xa-d"); !c.Active || !c.Connected || c.Paused || c.QueueDepth != 0 {
		t.Errorf("xa-d in /healthz: %+v; want active, connected, nothing queued", c)
	}
	if !strings.Contains(p.logs.String(), "commune picked up") {
		t.Errorf("the log does not say the new commune was picked up")
	}
}

// TestProvinceCommuneDisabledWhileRunning: a commune disabled with two
// deliveries queued is claimed no more; /healthz lists it disabled with
// its queued count, degraded, and the log says so once; enabled again, it
// sends them through its own OA.
func TestProvinceCommuneDisabledWhileRunning(t *testing.T) {
	p := newProvinceRig(t, "")
	p.step() // the routing has followed the table once
	// Outside quiet hours a normal notice is due at once; materialise it,
	// then disable xa-b before anything is claimed.
	n := p.notice(notices.Notice{Title: "Lịch tiêm", Commune: "xa-b"})
	if _, err := p.runner.RunOnce(p.ctx, p.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := p.store.SetCommuneActive(p.ctx, "test", "xa-b", false); err != nil {
		t.Fatal(err)
	}
	other := p.notice(notices.Notice{Title: "Lịch họp", Commune: "xa-a"})
	for range 3 {
		p.step()
	}
	if got := p.sent("Lịch tiêm"); len(got) != 0 {
		t.Fatalf("the disabled commune's notice went out: %v", got)
	}
	if got := p.sent("Lịch họp"); len(got) != 2 {
		t.Errorf("xa-a's notice reached %v; want its 2 groups while xa-b is disabled", got)
	}
	queued := 0
	for _, d := range p.deliveries(n.ID) {
		queued += d.Count[notices.DeliveryQueued]
	}
	if queued != 2 {
		t.Errorf("xa-b's deliveries queued = %d; want 2 kept", queued)
	}
	h := p.runner.Health(p.ctx)
	c := communeHealth(t, h, "xa-b")
	if c.Active || !c.Paused || c.QueueDepth != 2 {
		t.Errorf("xa-b in /healthz: %+v; want disabled, paused, 2 queued", c)
	}
	if h.Status != schedule.HealthDegraded || h.OK {
		t.Errorf("health = %s (ok %v) while a disabled commune holds 2 deliveries; want degraded", h.Status, h.OK)
	}
	if problems := strings.Join(h.Problems, "\n"); !strings.Contains(problems, "xa-b (2)") || !strings.Contains(problems, "disabled") {
		t.Errorf("problems do not name disabled xa-b and its 2 deliveries: %q", h.Problems)
	}
	if k := strings.Count(p.logs.String(), "commune disabled with deliveries still queued"); k != 1 {
		t.Errorf("the log said %d times that xa-b is disabled with deliveries queued; want once", k)
	}
	_ = other
	rec := httptest.NewRecorder()
	p.runner.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if m := rec.Body.String(); !strings.Contains(m, `loaxa_commune_queue_depth{commune="xa-b",disabled="1"} 2`) ||
		!strings.Contains(m, `loaxa_commune_queue_depth{commune="xa-a",disabled="0"} 0`) {
		t.Errorf("/metrics does not show disabled xa-b's 2 queued deliveries:\n%s", m)
	}
	if err := p.store.SetCommuneActive(p.ctx, "test", "xa-b", true); err != nil {
		t.Fatal(err)
	}
	p.step()
	p.step()
	got := p.sent("Lịch tiêm")
	for j := 1; j <= 2; j++ {
		if g := zalosim.GeneratedGroupID(2, j); len(got[g]) != 1 {
			t.Errorf("enabled again, xa-b's group %s got %d messages; want 1: %v", g, len(got[g]), got)
		}
	}
	if c := communeHealth(t, p.runner.Health(p.ctx), "xa-b"); !c.Active || c.Paused || c.QueueDepth != 0 {
		t.Errorf("xa-b in /healthz after it was enabled again: %+v", c)
	}
}

// TestProvinceDisableLetsTheSendInFlightFinish: xa-b is disabled while its
// send is on the wire (the simulator answers after 600 ms): the send
// finishes through xa-b's own OA and is recorded sent, once; nothing more
// of xa-b is claimed.
func TestProvinceDisableLetsTheSendInFlightFinish(t *testing.T) {
	p := newProvinceRig(t, "")
	p.step()
	n := p.notice(notices.Notice{Title: "Tin đang gửi", Commune: "xa-b", Targets: []string{"ap-1"}, Priority: notices.Urgent})
	if _, err := p.runner.RunOnce(p.ctx, p.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p.sim.SetDelay(600 * time.Millisecond)
	drained := make(chan error, 1)
	go func() {
		_, err := p.runner.Drain(p.ctx)
		drained <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for p.deliveries(n.ID)["ap-1"].Count[notices.DeliverySending] == 0 {
		if time.Now().After(deadline) {
			t.Fatal("xa-b's delivery was not claimed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.store.SetCommuneActive(p.ctx, "test", "xa-b", false); err != nil {
		t.Fatal(err)
	}
	if _, err := p.runner.RunOnce(p.ctx, p.clock.Now()); err != nil { // the routing drops xa-b now
		t.Fatal(err)
	}
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	p.sim.SetDelay(0)
	if d := p.deliveries(n.ID)["ap-1"]; d.Count[notices.DeliverySent] != 1 || d.Total != 1 {
		t.Errorf("the send in flight when xa-b was disabled: %v; want recorded sent", d.Count)
	}
	if got := p.sent("Tin đang gửi"); len(got[zalosim.GeneratedGroupID(2, 1)]) != 1 || len(got) != 1 {
		t.Errorf("messages: %v; want one, to xa-b's ap-1 from its OA", got)
	}
	if _, ok := p.prov.For(p.commune["xa-b"]); ok {
		t.Errorf("disabled xa-b still has a sender")
	}
}

// TestProvinceDisabledCommunesLostAnswerWaitsForItsOA: xa-b's send whose
// answer was lost stays 'sending' while xa-b is disabled (its history can
// be read only through its OA), without a warning each cycle; enabled
// again, it is settled from the group's history as sent, and not sent
// again.
func TestProvinceDisabledCommunesLostAnswerWaitsForItsOA(t *testing.T) {
	p := newProvinceRig(t, "")
	p.step()
	n := p.notice(notices.Notice{Title: "Tin mất trả lời", Commune: "xa-b", Targets: []string{"ap-1"}, Priority: notices.Urgent})
	p.sim.FailNext(1, zalosim.FaultLostAnswer)
	p.step()
	if d := p.deliveries(n.ID)["ap-1"]; d.Count[notices.DeliverySending] != 1 {
		t.Fatalf("after the lost answer: %v; want it sending", d.Count)
	}
	if err := p.store.SetCommuneActive(p.ctx, "test", "xa-b", false); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		p.step()
	}
	if d := p.deliveries(n.ID)["ap-1"]; d.Count[notices.DeliverySending] != 1 {
		t.Errorf("while xa-b is disabled: %v; want it still sending, unsettled", d.Count)
	}
	if c := communeHealth(t, p.runner.Health(p.ctx), "xa-b"); c.QueueDepth != 1 || !c.Paused {
		t.Errorf("xa-b in /healthz: %+v; want its one unsettled delivery counted", c)
	}
	if strings.Contains(p.logs.String(), "conversation unreadable") {
		t.Errorf("the reconciler tried to read a disabled commune's group")
	}
	if err := p.store.SetCommuneActive(p.ctx, "test", "xa-b", true); err != nil {
		t.Fatal(err)
	}
	p.step()
	p.step()
	if d := p.deliveries(n.ID)["ap-1"]; d.Count[notices.DeliverySent] != 1 || d.Total != 1 {
		t.Errorf("enabled again: %v; want it settled sent", d.Count)
	}
	if got := p.sent("Tin mất trả lời"); len(got[zalosim.GeneratedGroupID(2, 1)]) != 1 {
		t.Errorf("messages: %v; want one, not sent again", got)
	}
}

// TestSingleCommuneDaemonWithItsCommuneDisabled: a one-commune daemon
// whose commune is disabled (a second commune was added, which it cannot
// send for) sends nothing, and /healthz says why rather than claim a lost
// Zalo connection.
func TestSingleCommuneDaemonWithItsCommuneDisabled(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	if err := r.store.CreateCommune(r.ctx, "test", &notices.Commune{Code: "xa-moi", Name: "UBND xã Mới"}); err != nil {
		t.Fatal(err)
	}
	r.notice(notices.Notice{Title: "Họp tổ", Commune: "xa", Priority: notices.Urgent})
	if err := r.store.SetCommuneActive(r.ctx, "test", "xa", false); err != nil { // commune 1, named from no LOAXA_COMMUNE
		t.Fatal(err)
	}
	r.step()
	if got := r.received("Họp tổ"); len(got) != 0 {
		t.Errorf("a disabled commune's notice went out: %v", got)
	}
	h := r.runner.Health(r.ctx)
	if h.Status != schedule.HealthFailing || !strings.Contains(strings.Join(h.Problems, "\n"), "no commune is sent for") {
		t.Errorf("health = %s, problems %q; want failing: no commune is sent for", h.Status, h.Problems)
	}
}
