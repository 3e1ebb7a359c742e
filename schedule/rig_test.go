package schedule_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
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

var hcm = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// clock is a settable clock shared by the store and the runner.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rig is a store in a temporary file, the simulator over HTTP, the real
// client and a runner, on an injected clock.
type rig struct {
	t      *testing.T
	ctx    context.Context
	clock  *clock
	store  *notices.Store
	sim    *zalosimtest.Server
	client *bot.Client
	runner *schedule.Runner
	groups []zalosim.Group
	logs   *syncBuffer // what the runner logged, as JSON lines
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type rigOption func(*schedule.Config, *[]zalosim.Option)

func withConfig(f func(*schedule.Config)) rigOption {
	return func(c *schedule.Config, _ *[]zalosim.Option) { f(c) }
}

func withSim(o ...zalosim.Option) rigOption {
	return func(_ *schedule.Config, so *[]zalosim.Option) { *so = append(*so, o...) }
}

// at is a time in the commune zone, "2006-01-02 15:04".
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, hcm)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func newRig(t *testing.T, start string, opts ...rigOption) *rig {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: at(t, start)}
	logs := &syncBuffer{}
	log := zerolog.New(zerolog.MultiLevelWriter(zerolog.NewTestWriter(t), logs)).Level(zerolog.InfoLevel)
	cfg := schedule.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm", Now: clk.Now, Bulletin: []notices.Recurrence{},
		ReconcileAfter: time.Nanosecond, AnswerSettle: time.Nanosecond}
	var simOpts []zalosim.Option
	for _, o := range opts {
		o(&cfg, &simOpts)
	}
	sim := zalosimtest.New(t, simOpts...)
	store, err := notices.Open(ctx, filepath.Join(t.TempDir(), "loaxa.db"),
		notices.Options{Now: clk.Now, Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SaveZaloTokens(ctx, sim.AccessToken, sim.RefreshToken, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	client := bot.NewClient(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, log)
	if err := client.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	runner, err := schedule.New(cfg, store, schedule.NewOneCommune(1, client), log)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, ctx: ctx, clock: clk, store: store, sim: sim, client: client, runner: runner, logs: logs}
	for i, g := range sim.Groups() {
		code := "khom-" + string(rune('1'+i))
		if err := store.CreateHamlet(ctx, "test", &notices.Hamlet{Code: code, Name: "Khóm " + string(rune('1'+i)),
			GroupID: g.ID, Active: true}); err != nil {
			t.Fatal(err)
		}
		r.groups = append(r.groups, g)
	}
	return r
}

// notice creates an approved notice (unless n.Status says otherwise).
func (r *rig) notice(n notices.Notice) *notices.Notice {
	r.t.Helper()
	if n.Body == "" {
		n.Body = "Nội dung thông báo."
	}
	if n.Status == "" {
		n.Status = notices.StatusApproved
	}
	if n.Source == "" {
		n.Source = notices.SourceCLI
	}
	n.Author = "canbo"
	if err := r.store.CreateNotice(r.ctx, &n); err != nil {
		r.t.Fatalf("create notice %q: %v", n.Title, err)
	}
	return &n
}

// step runs one poll cycle and sends everything due, at the rig's clock.
func (r *rig) step() int {
	r.t.Helper()
	if _, err := r.runner.RunOnce(r.ctx, r.clock.Now()); err != nil {
		r.t.Fatalf("RunOnce: %v", err)
	}
	n, err := r.runner.Drain(r.ctx)
	if err != nil {
		r.t.Fatalf("Drain: %v", err)
	}
	// Times are stored to the second: let the next step see this one's
	// claims as past (the reconciler only looks at older claims).
	r.clock.Add(time.Second)
	return n
}

// received counts, per group, the messages whose text contains s.
func (r *rig) received(s string) map[string]int {
	got := map[string]int{}
	for _, m := range r.sim.AllMessages() {
		if strings.Contains(m.Text, s) {
			got[m.GroupID]++
		}
	}
	return got
}

func (r *rig) deliveries(id int64) map[string]notices.HamletDeliveries {
	r.t.Helper()
	hs, err := r.store.NoticeDeliveries(r.ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	m := map[string]notices.HamletDeliveries{}
	for _, h := range hs {
		m[h.Hamlet.Code] = h
	}
	return m
}
