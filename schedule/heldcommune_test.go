package schedule_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
)

// TestDisabledCommunesHeldDeliveriesAreNotLate: a disabled commune's
// deliveries are held on purpose. Two hours on they do not make the
// instance's oldest due delivery (nor the "has waited" problem); /healthz
// shows them as that commune's own state, held, as many as
// loaxa_commune_queue_depth{disabled="1"} says. A delivery of an active
// commune that cannot go out still counts, from its own due time.
func TestDisabledCommunesHeldDeliveriesAreNotLate(t *testing.T) {
	p := newProvinceRig(t, "xa-c")
	p.step()
	p.notice(notices.Notice{Title: "Lịch tiêm", Commune: "xa-b", Priority: notices.Urgent})
	if _, err := p.runner.RunOnce(p.ctx, p.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := p.store.SetCommuneActive(p.ctx, "test", "xa-b", false); err != nil {
		t.Fatal(err)
	}
	p.step()
	p.clock.Add(2 * time.Hour)
	p.step()
	h := p.runner.Health(p.ctx)
	if h.OldestDueAgeSeconds != 0 || strings.Contains(strings.Join(h.Problems, "\n"), "oldest due delivery") {
		t.Errorf("with only a disabled commune's deliveries held for 2h: oldest due %gs, problems %q; want 0, no late problem",
			h.OldestDueAgeSeconds, h.Problems)
	}
	c := communeHealth(t, h, "xa-b")
	if c.Active || c.Held != 2 || c.QueueDepth != 2 {
		t.Errorf("xa-b in /healthz: %+v; want disabled, 2 held", c)
	}
	for _, code := range []string{"xa-a", "xa-c"} {
		if c := communeHealth(t, h, code); c.Held != 0 {
			t.Errorf("active %s in /healthz holds %d; want 0", code, c.Held)
		}
	}
	metrics := func() string {
		rec := httptest.NewRecorder()
		p.runner.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return rec.Body.String()
	}
	m := metrics()
	for _, want := range []string{`loaxa_commune_queue_depth{commune="xa-b",disabled="1"} 2`, "loaxa_oldest_due_delivery_age_seconds 0\n"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// xa-c is active, its OA dead: its delivery is late from its own due
	// time (10 minutes), whatever xa-b holds.
	p.notice(notices.Notice{Title: "Họp ấp", Commune: "xa-c", Targets: []string{"ap-1"}, Priority: notices.Urgent})
	p.step()
	p.clock.Add(10 * time.Minute)
	h = p.runner.Health(p.ctx)
	if age := time.Duration(h.OldestDueAgeSeconds) * time.Second; age < 9*time.Minute || age > 11*time.Minute {
		t.Errorf("oldest due with xa-c's delivery due 10 min ago and xa-b's held 2h: %v; want about 10m", age)
	}
	if !strings.Contains(strings.Join(h.Problems, "\n"), "oldest due delivery has waited 10m") {
		t.Errorf("problems %q; want xa-c's delivery late by 10m", h.Problems)
	}
	if h.Status != schedule.HealthDegraded && h.Status != schedule.HealthFailing {
		t.Errorf("health = %s; want not ok", h.Status)
	}
}
