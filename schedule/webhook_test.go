package schedule_test

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/loaxa/loaxa/web"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// These tests run on the real clock: a real runner whose ReconcileAfter
// and AnswerSettle are ten minutes, so that the group's history cannot be
// what settles a delivery whose answer was lost; the real site on
// httptest receiving the simulator's signed webhooks; a real SQLite file.

const (
	hookSecret = "oa-secret-key-thu-nghiem"
	longSettle = 10 * time.Minute
)

// hookRig is one process of loaxa: store, client, runner, webhook
// processor and site, on a database file that outlives it.
type hookRig struct {
	t      *testing.T
	ctx    context.Context
	path   string
	store  *notices.Store
	runner *schedule.Runner
	hooks  *schedule.Webhooks
	site   *httptest.Server
}

// startHookRig starts a process on path against sim; process false leaves
// the webhook processor unstarted (the process dies after storing events).
func startHookRig(t *testing.T, sim *zalosimtest.Server, path string, process bool) *hookRig {
	t.Helper()
	ctx := context.Background()
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
	store, err := notices.Open(ctx, path, notices.Options{Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	c := sim.Credentials()
	if err := store.SaveZaloTokens(ctx, c.AccessToken, c.RefreshToken, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	client := bot.NewClient(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, log)
	runner, err := schedule.New(schedule.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm", Bulletin: []notices.Recurrence{},
		ReconcileAfter: longSettle, AnswerSettle: longSettle}, store, schedule.NewOneCommune(1, client), log)
	if err != nil {
		t.Fatal(err)
	}
	r := &hookRig{t: t, ctx: ctx, path: path, store: store, runner: runner, hooks: schedule.NewWebhooks(runner, log)}
	cfg := web.Config{Location: hcm, WebhookSecret: hookSecret}
	if process {
		cfg.WebhookStored = r.hooks.Notify
	}
	site, err := web.New(cfg, store, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	r.site = httptest.NewServer(site)
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if process {
		r.hooks.Start()
	}
	sim.SetWebhook(r.site.URL+"/zalo/webhook", hookSecret)
	t.Cleanup(r.stop)
	return r
}

// stop ends the process (again: a no-op).
func (r *hookRig) stop() {
	if r.store == nil {
		return
	}
	r.site.Close()
	r.hooks.Stop()
	if err := r.runner.Stop(r.ctx); err != nil {
		r.t.Error(err)
	}
	r.store.Close()
	r.store = nil
}

func (r *hookRig) hamlets(sim *zalosimtest.Server) {
	r.t.Helper()
	for i, g := range sim.Groups() {
		code := "khom-" + string(rune('1'+i))
		if err := r.store.CreateHamlet(r.ctx, "test", &notices.Hamlet{Code: code, Name: g.Name, GroupID: g.ID}); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *hookRig) notice(title, hamlet string) *notices.Notice {
	r.t.Helper()
	n := notices.Notice{Title: title, Body: "Nội dung " + title + ".", Priority: notices.Urgent,
		Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "canbo", Targets: []string{hamlet}}
	if err := r.store.CreateNotice(r.ctx, &n); err != nil {
		r.t.Fatal(err)
	}
	return &n
}

// state is the notice's delivery state in its one hamlet.
func (r *hookRig) state(id int64) notices.DeliveryState {
	r.t.Helper()
	hs, err := r.store.NoticeDeliveries(r.ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, h := range hs {
		if h.Total > 0 {
			return h.State()
		}
	}
	return ""
}

// waitFor polls cond every 10 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// lostAnswer sends a notice whose send reaches the group but whose answer
// is lost, and returns it with Zalo's message.
func lostAnswer(t *testing.T, r *hookRig, sim *zalosimtest.Server, title string) (*notices.Notice, zalosim.Message, time.Time) {
	t.Helper()
	g := sim.Groups()[0].ID
	before := len(sim.Messages(g))
	sim.FailNext(1, zalosim.FaultLostAnswer)
	n := r.notice(title, "khom-1")
	if !waitFor(5*time.Second, func() bool { return len(sim.Messages(g)) > before }) {
		t.Fatal("the message never reached the simulator")
	}
	arrived := time.Now()
	msgs := sim.Messages(g)
	return n, msgs[len(msgs)-1], arrived
}

func TestWebhookEchoSettlesLostAnswer(t *testing.T) {
	sim := zalosimtest.New(t)
	r := startHookRig(t, sim, filepath.Join(t.TempDir(), "loaxa.db"), true)
	r.hamlets(sim)

	n, msg, arrived := lostAnswer(t, r, sim, "Cắt điện")
	if !waitFor(2*time.Second, func() bool { return r.state(n.ID) == notices.DeliverySent }) {
		t.Fatalf("2 s after Zalo got the message the delivery is %q; want sent by the echo", r.state(n.ID))
	}
	took := time.Since(arrived)
	known, err := r.store.KnownMessageIDs(r.ctx, msg.GroupID, []string{msg.ID})
	if err != nil || !known[msg.ID] {
		t.Errorf("Zalo's message id %s not on the delivery (%v)", msg.ID, err)
	}
	if got := len(sim.Messages(sim.Groups()[0].ID)); got != 1 {
		t.Errorf("the group has %d messages; want 1 (nothing sent again)", got)
	}
	var ev *notices.WebhookEvent
	if !waitFor(time.Second, func() bool {
		ev, _ = r.store.WebhookEventByID(r.ctx, 1)
		return ev != nil && !ev.ProcessedAt.IsZero()
	}) || ev.Name != "oa_send_group_text" || !strings.HasPrefix(ev.Outcome, "delivery ") || !strings.HasSuffix(ev.Outcome, " sent") {
		t.Errorf("stored echo %+v; want it processed, its outcome naming the delivery it settled", ev)
	}
	ds := sim.WebhookDeliveries()
	if len(ds) != 1 || ds[0].Status != http.StatusOK || ds[0].Late {
		t.Errorf("webhook deliveries = %+v; want one echo answered 200 within 2 s", ds)
	}
	t.Logf("settled by the echo %v after the message reached Zalo (settle times: %v)", took, longSettle)
}

func TestWebhookImageEchoSettlesByCaption(t *testing.T) {
	sim := zalosimtest.New(t)
	r := startHookRig(t, sim, filepath.Join(t.TempDir(), "loaxa.db"), true)
	r.hamlets(sim)
	g := sim.Groups()[0].ID
	sim.SetWebhook("", "")
	sim.FailNext(1, zalosim.FaultLostAnswer)
	n := notices.Notice{Title: "Bản đồ ngập", Body: "Các tuyến đường ngập sáng nay.", Priority: notices.Urgent,
		Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "canbo", Targets: []string{"khom-1"},
		Image: testPNG(t), ImageType: "image/png"}
	if err := r.store.CreateNotice(r.ctx, &n); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return len(sim.Messages(g)) == 1 }) {
		t.Fatal("the image never reached the simulator")
	}
	msg := sim.Messages(g)[0]
	if msg.AttachmentID == "" && msg.ImageURL == "" {
		t.Fatalf("the message is not an image: %+v", msg)
	}
	sim.SetWebhook(r.site.URL+"/zalo/webhook", hookSecret)
	// A text echo with the caption's words does not prove an image.
	if d, _ := sim.TriggerWebhook(zalosim.TriggerRequest{Event: "oa_send_group_text", GroupID: g, MsgID: "t1", Text: msg.Text}); d.Status != 200 {
		t.Fatalf("text echo answered %d", d.Status)
	}
	time.Sleep(300 * time.Millisecond)
	if st := r.state(n.ID); st != notices.DeliverySending {
		t.Fatalf("a text echo made the image delivery %q; want still sending", st)
	}
	if d, _ := sim.TriggerWebhook(zalosim.TriggerRequest{Event: "oa_send_group_image", GroupID: g, MsgID: msg.ID, Text: msg.Text}); d.Status != 200 {
		t.Fatalf("image echo answered %d", d.Status)
	}
	if !waitFor(2*time.Second, func() bool { return r.state(n.ID) == notices.DeliverySent }) {
		t.Fatalf("after the image echo the delivery is %q; want sent", r.state(n.ID))
	}
	if known, _ := r.store.KnownMessageIDs(r.ctx, msg.GroupID, []string{msg.ID, "t1"}); !known[msg.ID] || known["t1"] {
		t.Errorf("message ids recorded: %v; want the image's only", known)
	}
}

func TestWebhookForgedEchoChangesNothing(t *testing.T) {
	sim := zalosimtest.New(t)
	r := startHookRig(t, sim, filepath.Join(t.TempDir(), "loaxa.db"), true)
	r.hamlets(sim)
	sim.SetWebhook("", "") // no echo: the delivery stays 'sending'
	n, msg, _ := lostAnswer(t, r, sim, "Tiêm phòng")
	sim.SetWebhook(r.site.URL+"/zalo/webhook", hookSecret)
	g := sim.Groups()[0].ID
	if !waitFor(time.Second, func() bool { return r.state(n.ID) == notices.DeliverySending }) {
		t.Fatalf("delivery is %q; want sending", r.state(n.ID))
	}

	// A forged echo: the right shape, the wrong key.
	d, err := sim.TriggerWebhook(zalosim.TriggerRequest{Event: "oa_send_group_text", GroupID: g, MsgID: msg.ID,
		Text: msg.Text, Forge: true})
	if err != nil || d.Status != http.StatusUnauthorized {
		t.Fatalf("forged echo answered %d (%v); want 401", d.Status, err)
	}
	time.Sleep(300 * time.Millisecond)
	if st := r.state(n.ID); st != notices.DeliverySending {
		t.Fatalf("after a forged echo the delivery is %q; want still sending", st)
	}
	if evs, _ := r.store.PendingWebhookEvents(r.ctx, 10); len(evs) != 0 {
		t.Errorf("%d events pending after a forged one", len(evs))
	}
	if _, err := r.store.WebhookEventByID(r.ctx, 1); err != notices.ErrNotFound {
		t.Errorf("a forged event was stored (%v)", err)
	}

	// Without the echo nothing settles it for the settle time: the
	// reconciler is not what settles it below.
	time.Sleep(time.Second)
	if st := r.state(n.ID); st != notices.DeliverySending {
		t.Fatalf("without an echo the delivery became %q; want sending until the settle time", st)
	}

	// The genuine echo, as Zalo would send it.
	d, err = sim.TriggerWebhook(zalosim.TriggerRequest{Event: "oa_send_group_text", GroupID: g, MsgID: msg.ID, Text: msg.Text})
	if err != nil || d.Status != http.StatusOK {
		t.Fatalf("genuine echo answered %d (%v)", d.Status, err)
	}
	if !waitFor(2*time.Second, func() bool { return r.state(n.ID) == notices.DeliverySent }) {
		t.Fatalf("after the genuine echo the delivery is %q; want sent", r.state(n.ID))
	}
}

func TestWebhookEchoOfOtherWordsSettlesNothing(t *testing.T) {
	sim := zalosimtest.New(t)
	r := startHookRig(t, sim, filepath.Join(t.TempDir(), "loaxa.db"), true)
	r.hamlets(sim)
	sim.SetWebhook("", "")
	n, msg, _ := lostAnswer(t, r, sim, "Họp tổ")
	sim.SetWebhook(r.site.URL+"/zalo/webhook", hookSecret)
	groups := sim.Groups()
	for _, tc := range []zalosim.TriggerRequest{
		{Event: "oa_send_group_text", GroupID: groups[0].ID, MsgID: "other1", Text: "một tin khác"},
		{Event: "oa_send_group_text", GroupID: groups[1].ID, MsgID: "other2", Text: msg.Text},   // another group
		{Event: "oa_send_group_image", GroupID: groups[0].ID, MsgID: "other3", Text: msg.Text},  // a photo, not our text
		{Event: "user_send_group_text", GroupID: groups[0].ID, MsgID: "other4", Text: msg.Text}, // a member's
	} {
		if d, err := sim.TriggerWebhook(tc); err != nil || d.Status != http.StatusOK {
			t.Fatalf("%s answered %d (%v)", tc.Event, d.Status, err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if st := r.state(n.ID); st != notices.DeliverySending {
		t.Errorf("echoes of other messages made the delivery %q; want still sending", st)
	}
}

func TestWebhookReplayCountedOnce(t *testing.T) {
	sim := zalosimtest.New(t)
	r := startHookRig(t, sim, filepath.Join(t.TempDir(), "loaxa.db"), true)
	r.hamlets(sim)
	g := sim.Groups()[0].ID
	d, err := sim.TriggerWebhook(zalosim.TriggerRequest{Event: "user_join_group", GroupID: g, UserID: "u1"})
	if err != nil || d.Status != http.StatusOK {
		t.Fatalf("join answered %d (%v)", d.Status, err)
	}
	// Zalo's retries, or an attacker's replays, of the same signed bytes.
	var ev struct {
		AppID     string `json:"app_id"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal([]byte(d.Body), &ev); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		req, _ := http.NewRequest(http.MethodPost, r.site.URL+"/zalo/webhook", bytes.NewReader([]byte(d.Body)))
		req.Header.Set("X-ZEvent-Signature", zalosim.SignWebhook(ev.AppID, []byte(d.Body), ev.Timestamp, hookSecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("replay answered %d; want 200", resp.StatusCode)
		}
	}
	var wg *notices.WebhookGroup
	if !waitFor(2*time.Second, func() bool { wg, err = r.store.WebhookGroupByID(r.ctx, g); return err == nil }) {
		t.Fatalf("the join was not recorded: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // let any wrongly stored replay be processed too
	wg, _ = r.store.WebhookGroupByID(r.ctx, g)
	if wg.Joins != 1 || wg.MemberDelta != 1 {
		t.Errorf("after one join sent four times: joins %d, delta %d; want 1, 1", wg.Joins, wg.MemberDelta)
	}
	if _, err := r.store.WebhookEventByID(r.ctx, 2); err != notices.ErrNotFound {
		t.Errorf("a replay was stored as a second event (%v)", err)
	}
	// A leave and a disbanding are recorded too.
	for _, e := range []string{"user_out_group", "disperse_group"} {
		if d, err := sim.TriggerWebhook(zalosim.TriggerRequest{Event: e, GroupID: g}); err != nil || d.Status != 200 {
			t.Fatalf("%s answered %d (%v)", e, d.Status, err)
		}
	}
	if !waitFor(2*time.Second, func() bool {
		wg, _ = r.store.WebhookGroupByID(r.ctx, g)
		return wg.Leaves == 1 && !wg.GoneAt.IsZero()
	}) {
		t.Errorf("after a leave and disperse_group: %+v", wg)
	}
	if wg.MemberDelta != 0 || wg.GoneEvent != "disperse_group" {
		t.Errorf("member delta %d, gone event %q; want 0, disperse_group", wg.MemberDelta, wg.GoneEvent)
	}
}

func TestWebhookCrashBetweenStoringAndProcessing(t *testing.T) {
	sim := zalosimtest.New(t)
	path := filepath.Join(t.TempDir(), "loaxa.db")
	first := startHookRig(t, sim, path, false) // stores and answers, then dies before processing
	first.hamlets(sim)
	n, msg, _ := lostAnswer(t, first, sim, "Nước sạch")
	if !waitFor(2*time.Second, func() bool { return len(sim.WebhookDeliveries()) == 1 }) {
		t.Fatal("no echo was posted")
	}
	if d := sim.WebhookDeliveries()[0]; d.Status != http.StatusOK || d.MsgID != msg.ID {
		t.Fatalf("echo delivery = %+v; want 200 for %s", d, msg.ID)
	}
	if evs, _ := first.store.PendingWebhookEvents(first.ctx, 10); len(evs) != 1 {
		t.Fatalf("%d events stored unprocessed; want 1", len(evs))
	}
	if st := first.state(n.ID); st != notices.DeliverySending {
		t.Fatalf("before the restart the delivery is %q; want sending", st)
	}
	first.stop()

	start := time.Now()
	second := startHookRig(t, sim, path, true)
	if !waitFor(2*time.Second, func() bool { return second.state(n.ID) == notices.DeliverySent }) {
		t.Fatalf("after the restart the delivery is %q; want sent by the stored echo", second.state(n.ID))
	}
	t.Logf("the stored echo settled the delivery %v after the restart", time.Since(start))
	// The delivery is recorded first, then the event finished.
	var ev *notices.WebhookEvent
	if !waitFor(time.Second, func() bool {
		ev, _ = second.store.WebhookEventByID(second.ctx, 1)
		return ev != nil && !ev.ProcessedAt.IsZero()
	}) || !strings.HasPrefix(ev.Outcome, "delivery ") {
		t.Errorf("stored event after the restart: processed %v, outcome %q; want processed, naming the delivery", ev.ProcessedAt, ev.Outcome)
	}
	if got := len(sim.Messages(sim.Groups()[0].ID)); got != 1 {
		t.Errorf("the group has %d messages; want 1", got)
	}
}

func TestWebhookUnknownEventStoredAndIgnored(t *testing.T) {
	sim := zalosimtest.New(t)
	r := startHookRig(t, sim, filepath.Join(t.TempDir(), "loaxa.db"), true)
	r.hamlets(sim)
	g := sim.Groups()[0].ID
	for _, e := range []string{"user_send_group_sticker", "add_group_admin", "zns_something_new"} {
		if d, err := sim.TriggerWebhook(zalosim.TriggerRequest{Event: e, GroupID: g}); err != nil || d.Status != http.StatusOK {
			t.Fatalf("%s answered %d (%v); want 200", e, d.Status, err)
		}
	}
	for id := int64(1); id <= 3; id++ {
		var ev *notices.WebhookEvent
		if !waitFor(2*time.Second, func() bool {
			ev, _ = r.store.WebhookEventByID(r.ctx, id)
			return ev != nil && !ev.ProcessedAt.IsZero()
		}) {
			t.Fatalf("event %d not processed: %+v", id, ev)
		}
		if ev.Outcome != "ignored" || len(ev.Raw) == 0 {
			t.Errorf("event %d (%s): outcome %q, %d bytes kept; want ignored, the body kept", id, ev.Name, ev.Outcome, len(ev.Raw))
		}
	}
	if _, err := r.store.WebhookGroupByID(r.ctx, g); err != notices.ErrNotFound {
		t.Errorf("ignored events recorded something for the group (%v)", err)
	}
}

// TestWebhookGroupEventOfAnotherOAIgnored: each group belongs to one OA, so
// a group event from another OA than the one connected for the group's
// commune is not that group's news: it is kept, marked ignored, and changes
// nothing; the group's own OA's event is recorded (probe6 F22).
func TestWebhookGroupEventOfAnotherOAIgnored(t *testing.T) {
	sim := zalosimtest.New(t, zalosim.WithOAs(zalosim.GenerateOAs(2, 2, 0)...))
	r := startHookRig(t, sim, filepath.Join(t.TempDir(), "loaxa.db"), true)
	r.hamlets(sim)
	owner, other := sim.Credentials().OAID, ""
	for _, oa := range sim.OAs {
		if oa.OAID != owner {
			other = oa.OAID
		}
	}
	g := sim.GroupsOf(owner)[0].ID
	db := openSecond(t, r.path)
	if _, err := db.Exec(`UPDATE zalo_tokens SET oa_id = ?`, owner); err != nil {
		t.Fatal(err)
	}
	outcome := func(id int64) string {
		t.Helper()
		var ev *notices.WebhookEvent
		if !waitFor(2*time.Second, func() bool {
			ev, _ = r.store.WebhookEventByID(r.ctx, id)
			return ev != nil && !ev.ProcessedAt.IsZero()
		}) {
			t.Fatalf("event %d not processed: %+v", id, ev)
		}
		return ev.Outcome
	}
	if d, err := sim.TriggerWebhook(zalosim.TriggerRequest{Event: "user_join_group", GroupID: g, OAID: other}); err != nil || d.Status != http.StatusOK {
		t.Fatalf("the event answered %d (%v)", d.Status, err)
	}
	if got := outcome(1); got != "another OA than the group's: ignored" {
		t.Errorf("another OA's join event: outcome %q; want it ignored", got)
	}
	if _, err := r.store.WebhookGroupByID(r.ctx, g); err != notices.ErrNotFound {
		t.Errorf("another OA's event recorded something for the group (%v)", err)
	}
	if d, err := sim.TriggerWebhook(zalosim.TriggerRequest{Event: "user_join_group", GroupID: g, OAID: owner}); err != nil || d.Status != http.StatusOK {
		t.Fatalf("the event answered %d (%v)", d.Status, err)
	}
	if got := outcome(2); got == "another OA than the group's: ignored" {
		t.Errorf("the group's own OA's event was ignored")
	}
	if wg, err := r.store.WebhookGroupByID(r.ctx, g); err != nil || wg.Joins != 1 {
		t.Errorf("the group's own OA's join: %+v, %v; want 1 join recorded", wg, err)
	}
}
