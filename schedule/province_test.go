package schedule_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// provinceRig is three communes, each with hamlets ap-1 and ap-2 on the
// groups of its own simulated OA, one bot.App and a client per commune.
type provinceRig struct {
	*rig
	oaOf    map[string]string // group id → the OA that owns it
	commune map[string]int64  // commune code → id
	app     *bot.App
	prov    *schedule.Province
	log     zerolog.Logger
}

var provinceCodes = []string{"xa-a", "xa-b", "xa-c"}

func newProvinceRig(t *testing.T, dead string) *provinceRig { return newProvinceRigRate(t, dead, 0) }

// newProvinceRigRate gives xa-a's OA its own limit of rateA calls a minute,
// in the simulator and in the commune's client (0: none).
func newProvinceRigRate(t *testing.T, dead string, rateA int) *provinceRig {
	t.Helper()
	return newProvinceRigApp(t, dead, rateA, -1)
}

// newProvinceRigApp is newProvinceRigRate with the app's limit at appRate
// calls a minute in the clients (negative: none).
func newProvinceRigApp(t *testing.T, dead string, rateA, appRate int) *provinceRig {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: at(t, "2026-11-27 09:00")}
	logs := &syncBuffer{}
	log := zerolog.New(zerolog.MultiLevelWriter(zerolog.NewTestWriter(t), logs)).Level(zerolog.InfoLevel)
	// A fourth OA, of no commune yet: a commune added while the runner
	// runs (communesync_test.go).
	oas := zalosim.GenerateOAs(4, 2, 0)
	oas[0].RatePerMin = rateA
	sim := zalosimtest.New(t, zalosim.WithOAs(oas...))
	store, err := notices.Open(ctx, filepath.Join(t.TempDir(), "loaxa.db"),
		notices.Options{Now: clk.Now, Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost, Commune: "UBND xã A"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	// The first commune is xa-a, its code made from LOAXA_COMMUNE.
	for _, c := range provinceCodes[1:] {
		if err := store.CreateCommune(ctx, "test", &notices.Commune{Code: c, Name: "UBND " + strings.ReplaceAll(c, "-", " ")}); err != nil {
			t.Fatal(err)
		}
	}
	app := bot.NewApp(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: appRate, Timeout: 5 * time.Second}, log)
	p := &provinceRig{oaOf: map[string]string{}, commune: map[string]int64{}}
	if rateA > 0 {
		if err := store.UpdateCommune(ctx, "test", &notices.Commune{Code: "xa-a", Name: "UBND xã A", RatePerMin: rateA}); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := store.Communes(ctx)
	if err != nil || len(cs) != 3 {
		t.Fatalf("communes = %v, %v", cs, err)
	}
	for i, c := range cs {
		oa := sim.OAs[i]
		p.commune[c.Code] = c.ID
		tok := store.CommuneTokens(c.ID)
		access, refresh := oa.AccessToken, oa.RefreshToken
		if c.Code == dead {
			access, refresh = "", "spent-refresh-token"
		}
		if err := tok.SaveZaloTokens(ctx, access, refresh, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for j, g := range zalosim.GenerateOAs(3, 2, 0)[i].Groups {
			p.oaOf[g.ID] = oa.OAID
			code := []string{"ap-1", "ap-2"}[j]
			if err := store.CreateHamlet(ctx, "test", &notices.Hamlet{Commune: c.Code, Code: code, Name: "Ấp", GroupID: g.ID, Active: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	prov, err := schedule.NewProvince(app, store, cs, log)
	if err != nil {
		t.Fatal(err)
	}
	p.app, p.prov, p.log = app, prov, log
	cfg := schedule.Config{Location: hcm, Commune: "UBND xã A", Province: "UBND tỉnh An Giang", Now: clk.Now,
		Bulletin: []notices.Recurrence{}, ReconcileAfter: time.Nanosecond, AnswerSettle: time.Nanosecond,
		PollInterval: 100 * time.Millisecond} // for the tests that Start the runner
	runner, err := schedule.New(cfg, store, prov, log)
	if err != nil {
		t.Fatal(err)
	}
	p.rig = &rig{t: t, ctx: ctx, clock: clk, store: store, sim: sim, runner: runner, logs: logs}
	return p
}

// sent lists, per group, the messages containing s, and checks that each
// went out from the OA that owns its group.
func (p *provinceRig) sent(s string) map[string][]string {
	p.t.Helper()
	got := map[string][]string{}
	for _, m := range p.sim.AllMessages() {
		if !strings.Contains(m.Text, s) {
			continue
		}
		if m.OAID != p.oaOf[m.GroupID] {
			p.t.Errorf("message to group %s went out from OA %s; its OA is %s", m.GroupID, m.OAID, p.oaOf[m.GroupID])
		}
		got[m.GroupID] = append(got[m.GroupID], m.Text)
	}
	return got
}

// TestProvinceSendsThroughEachCommunesOA: a commune's notice reaches its
// own hamlets only (ap-1 names a hamlet of each commune), from its own OA,
// signed with its name; a province notice reaches every commune's groups
// once, each from that commune's OA, signed with the province's name.
func TestProvinceSendsThroughEachCommunesOA(t *testing.T) {
	p := newProvinceRig(t, "")
	p.notice(notices.Notice{Title: "Họp ấp", Commune: "xa-b", Targets: []string{"ap-1"}})
	p.notice(notices.Notice{Title: "Cảnh báo lũ", Commune: notices.Province, Priority: notices.Urgent})
	p.step()
	p.step()
	local := p.sent("Họp ấp")
	if len(local) != 1 || len(local[zalosim.GeneratedGroupID(2, 1)]) != 1 {
		t.Errorf("xa-b's notice to ap-1 reached %v; want xa-b's ap-1 (group %s) once", local, zalosim.GeneratedGroupID(2, 1))
	}
	for _, texts := range local {
		if !strings.Contains(texts[0], "UBND xa b") {
			t.Errorf("xa-b's notice is not signed with its name: %q", texts[0])
		}
	}
	flood := p.sent("Cảnh báo lũ")
	if len(flood) != 6 {
		t.Errorf("the province notice reached %d groups; want all 6", len(flood))
	}
	for g, texts := range flood {
		if len(texts) != 1 {
			t.Errorf("group %s got the province notice %d times", g, len(texts))
		}
		if !strings.Contains(texts[0], "UBND tỉnh An Giang") {
			t.Errorf("the province notice is not signed by the province: %q", texts[0])
		}
	}
}

// TestProvinceDeadTokenPausesOneCommune: xa-c's refresh token is refused:
// a province notice reaches xa-a's and xa-b's groups, xa-c's deliveries
// wait in the queue, and /healthz says which commune is paused.
func TestProvinceDeadTokenPausesOneCommune(t *testing.T) {
	p := newProvinceRig(t, "xa-c")
	p.notice(notices.Notice{Title: "Cảnh báo triều cường", Commune: notices.Province, Priority: notices.Urgent})
	p.step()
	p.step()
	got := p.sent("Cảnh báo triều cường")
	for i := 1; i <= 3; i++ {
		for j := 1; j <= 2; j++ {
			g, want := zalosim.GeneratedGroupID(i, j), 1
			if i == 3 {
				want = 0
			}
			if len(got[g]) != want {
				t.Errorf("group %s of commune %d got %d messages; want %d", g, i, len(got[g]), want)
			}
		}
	}
	h := p.runner.Health(p.ctx)
	if h.Status != schedule.HealthDegraded || len(h.Communes) != 3 {
		t.Fatalf("health = %s with %d communes; want degraded with 3: %+v", h.Status, len(h.Communes), h)
	}
	for _, c := range h.Communes {
		paused := c.Code == "xa-c"
		if c.Paused != paused || c.Connected == paused {
			t.Errorf("commune %s: paused %v connected %v; want paused %v", c.Code, c.Paused, c.Connected, paused)
		}
		if paused && c.QueueDepth != 2 {
			t.Errorf("xa-c's queue = %d; want its 2 deliveries kept", c.QueueDepth)
		}
	}
	if !strings.Contains(strings.Join(h.Problems, "\n"), "commune xa-c") {
		t.Errorf("problems do not name xa-c: %q", h.Problems)
	}
	// /metrics says it too, per commune, for an alert.
	rec := httptest.NewRecorder()
	p.runner.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{`loaxa_commune_connected{commune="xa-c"} 0`, `loaxa_commune_connected{commune="xa-a"} 1`,
		`loaxa_commune_connected{commune="xa-b"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestSingleCommuneDaemonLeavesANewCommuneQueued: a single-commune daemon
// (one OA, NewOneCommune) on a database that gains a second commune while it
// runs sends the first commune's deliveries and leaves the new commune's
// queued for the restart in province mode, rather than through its OA.
func TestSingleCommuneDaemonLeavesANewCommuneQueued(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	if err := r.store.CreateCommune(r.ctx, "test", &notices.Commune{Code: "xa-moi", Name: "UBND xã Mới"}); err != nil {
		t.Fatal(err)
	}
	if err := r.store.CreateHamlet(r.ctx, "test", &notices.Hamlet{Commune: "xa-moi", Code: "ap-1", Name: "Ấp 1",
		GroupID: "group-of-another-oa", Active: true}); err != nil {
		t.Fatal(err)
	}
	n := r.notice(notices.Notice{Title: "Cảnh báo", Commune: notices.Province, Priority: notices.Urgent})
	r.step()
	r.step()
	ds := r.deliveries(n.ID)
	if got := ds["ap-1"]; got.Count[notices.DeliveryQueued] != 1 {
		t.Errorf("the new commune's delivery: %v; want it queued, unsent", got.Count)
	}
	if got := r.received("Cảnh báo"); len(got) != len(r.groups) {
		t.Errorf("the province notice reached %d of the first commune's %d groups", len(got), len(r.groups))
	}
	// What a person sees is true: /healthz and the log (once) say that the
	// new commune's delivery waits for a restart.
	h := r.runner.Health(r.ctx)
	c := communeHealth(t, h, "xa-moi")
	if !c.Active || !c.Paused || c.QueueDepth != 1 || !strings.Contains(c.LastError, "restart loaxa") {
		t.Errorf("xa-moi in /healthz: %+v; want paused, 1 queued, asking for a restart", c)
	}
	if h.Status != schedule.HealthDegraded || !strings.Contains(strings.Join(h.Problems, "\n"), "xa-moi") {
		t.Errorf("health = %s, problems %q; want degraded, naming xa-moi", h.Status, h.Problems)
	}
	if k := strings.Count(r.logs.String(), "restart loaxa to start province mode"); k != 1 {
		t.Errorf("the log asked %d times for a restart; want once", k)
	}
}

// TestProvinceOAMinus32HoldsThatCommuneOnly: another program has used up
// xa-a's own minute (its package allows 2 calls): xa-a's send meets -32 of
// its OA's limit and is retried after that OA's pause, while a notice of
// xa-b made at that moment is sent at once. With every -32 read as the
// app's, xa-b's would wait too.
func TestProvinceOAMinus32HoldsThatCommuneOnly(t *testing.T) {
	p := newProvinceRigRate(t, "", 2)
	other := bot.NewApp(bot.Config{APIBase: p.sim.URL, OAuthBase: p.sim.URL, AppID: p.sim.AppID, AppSecret: p.sim.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, zerolog.Nop())
	oc, err := other.Client("xa-a", p.store.CommuneTokens(p.commune["xa-a"]), 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := oc.SendGroupText(p.ctx, zalosim.GeneratedGroupID(1, 2), "tin của chương trình khác"); err != nil {
			t.Fatalf("the other program's send: %v", err)
		}
	}
	warning := p.notice(notices.Notice{Title: "Cảnh báo mặn", Commune: notices.Province, Targets: []string{"xa-a/ap-1", "xa-b/ap-1"},
		Priority: notices.Urgent})
	// Both cycles at one moment of the rig's clock: xa-a's retry is not
	// due yet in the second.
	cycle := func() {
		t.Helper()
		if _, err := p.runner.RunOnce(p.ctx, p.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := p.runner.Drain(p.ctx); err != nil {
			t.Fatal(err)
		}
	}
	cycle()
	if got := p.sent("Cảnh báo mặn"); len(got[zalosim.GeneratedGroupID(1, 1)]) != 0 || len(got[zalosim.GeneratedGroupID(2, 1)]) != 1 {
		t.Fatalf("after xa-a's -32: %v; want xa-b's ap-1 only", got)
	}
	// At the same moment, a notice of xa-b.
	p.notice(notices.Notice{Title: "Họp khẩn", Commune: "xa-b", Targets: []string{"ap-2"}, Priority: notices.Urgent})
	cycle()
	if got := p.sent("Họp khẩn"); len(got[zalosim.GeneratedGroupID(2, 2)]) != 1 {
		t.Errorf("xa-b's notice during xa-a's pause reached %v; want xa-b's ap-2 at once", got)
	}
	// xa-a's delivery waits for its retry, after its OA's pause (sending
	// it is the simulator's minute away: not waited for here).
	hs, err := p.store.NoticeDeliveries(p.ctx, warning.ID)
	if err != nil {
		t.Fatal(err)
	}
	var retrying int
	for _, h := range hs {
		if h.Hamlet.GroupID == zalosim.GeneratedGroupID(1, 1) {
			retrying += h.Count[notices.DeliveryRetry]
		}
	}
	if retrying != 1 {
		t.Errorf("xa-a's deliveries in retry = %d; want its one", retrying)
	}
}

// TestProvinceTargetsAgreeWithTheStore: materialisation's targets (one
// read of the hamlets a cycle) are Store.NoticeTargets', for a commune's
// notice to all or to named hamlets (codes repeat across communes), and a
// province notice to all, to communes, to commune/hamlet, with an inactive
// hamlet and an inactive commune left out.
func TestProvinceTargetsAgreeWithTheStore(t *testing.T) {
	p := newProvinceRig(t, "")
	// An inactive hamlet: xa-b's ap-2 (hamlet codes repeat, so by SQL).
	db, err := sql.Open("sqlite3", p.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE hamlets SET active = 0 WHERE code = 'ap-2' AND commune_id = ?`, p.commune["xa-b"]); err != nil {
		t.Fatal(err)
	}
	if err := p.store.SetCommuneActive(p.ctx, "test", "xa-c", false); err != nil {
		t.Fatal(err)
	}
	for _, n := range []notices.Notice{
		{Title: "1", Commune: "xa-a"},
		{Title: "2", Commune: "xa-b", Targets: []string{"ap-1", "ap-2"}},
		{Title: "3", Commune: notices.Province},
		{Title: "4", Commune: notices.Province, Targets: []string{"xa-b", "xa-c"}},
		{Title: "5", Commune: notices.Province, Targets: []string{"xa-a/ap-2", "xa-b/ap-1", "xa-a"}},
	} {
		n := p.notice(n)
		want, err := p.store.NoticeTargets(p.ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.runner.TargetsOf(p.ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
			t.Errorf("notice %s (%s %v): targets %v; the store's %v", n.Title, n.Commune, n.Targets, got, want)
		}
	}
}
