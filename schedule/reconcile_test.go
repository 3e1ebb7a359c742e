package schedule_test

import (
	"bytes"
	"context"
	"image"
	pngenc "image/png"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

func testPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pngenc.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exactlyOnce checks that every group of the rig got exactly one message
// containing s, and that every hamlet's deliveries of n are sent.
func (r *rig) exactlyOnce(n *notices.Notice, s string) {
	r.t.Helper()
	got := r.received(s)
	for _, g := range r.groups {
		if got[g.ID] != 1 {
			r.t.Errorf("group %s received %d copies of %q; want exactly 1", g.ID, got[g.ID], s)
		}
	}
	for code, h := range r.deliveries(n.ID) {
		if h.State() != notices.DeliverySent {
			r.t.Errorf("hamlet %s: %s (%s); want sent", code, h.State(), h.Error)
		}
	}
}

// Zalo's history shows a photo with its caption in description and no
// message (§12): a lost answer on an image delivery must be found there.
func TestLostAnswerOnImageIsReconciledNotResent(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	r.sim.FailNext(2, zalosim.FaultLostAnswer)
	n := r.notice(notices.Notice{Title: "Bản đồ vùng ngập", Image: testPNG(t), ImageType: "image/png"})
	r.step()
	r.step()
	r.step()
	r.exactlyOnce(n, "Bản đồ vùng ngập")
}

// Zalo serves at most 10 history items a request (§12): a message with 30
// newer ones above it must still be found, by paging.
func TestLostAnswerInABusyGroupIsFoundByPaging(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	r.sim.FailNext(len(r.groups), zalosim.FaultLostAnswer)
	n := r.notice(notices.Notice{Title: "Lịch cắt điện"})
	r.step()
	for _, g := range r.groups {
		for range 30 {
			r.sim.PostAsMember(g.ID, "Cư dân", "Dạ cảm ơn ấp")
		}
	}
	r.step()
	r.step()
	r.exactlyOnce(n, "Lịch cắt điện")
}

// An image and a text of the same words are different messages: a text
// item with the caption's words never proves that the photo arrived.
func TestTextInHistoryDoesNotProveAnImage(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	r.sim.FailNext(len(r.groups), zalosim.FaultLostAnswer)
	n := r.notice(notices.Notice{Title: "Ảnh và chữ", Image: testPNG(t), ImageType: "image/png"})
	r.step()
	// The photos arrived but their answers were lost. Then the same words
	// arrive as text (another tool, a person pasting): newer than the
	// photos, so a reconciler comparing words alone would take them.
	photos := map[string]string{}
	for _, m := range r.sim.AllMessages() {
		photos[m.GroupID] = m.ID
		if _, err := r.client.SendGroupText(r.ctx, m.GroupID, m.Text); err != nil {
			t.Fatal(err)
		}
	}
	r.step()
	r.step()
	for g, id := range photos {
		known, err := r.store.KnownMessageIDs(r.ctx, g, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if !known[id] {
			t.Errorf("group %s: the photo %s is not the message recorded as the delivery", g, id)
		}
		if len(r.sim.Messages(g)) != 2 {
			t.Errorf("group %s has %d messages; want the photo and the text, nothing resent", g, len(r.sim.Messages(g)))
		}
	}
	for code, h := range r.deliveries(n.ID) {
		if h.State() != notices.DeliverySent {
			t.Errorf("hamlet %s: %s; want sent", code, h.State())
		}
	}
}

// More newer messages than the reconciler may read: the delivery is not
// proven either way, so it is neither resent nor marked sent; it says so,
// and after UnprovenAfter it fails with a reason that asks a person to look.
func TestUnprovenDeliveryIsNeverResentBlindly(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00", withConfig(func(c *schedule.Config) { c.HistoryCount = 30 }))
	g := r.groups[0]
	r.sim.FailNext(1, zalosim.FaultLostAnswer.On(zalosim.PathGroupMessage))
	n := r.notice(notices.Notice{Title: "Nhóm quá đông", Targets: []string{"khom-1"}})
	r.step()
	for range 45 {
		r.sim.PostAsMember(g.ID, "Cư dân", "tin nhắn")
	}
	r.step()
	r.step()
	if got := r.received("Nhóm quá đông")[g.ID]; got != 1 {
		t.Fatalf("group received %d copies; want 1 (never resent while unproven)", got)
	}
	h := r.deliveries(n.ID)["khom-1"]
	if h.State() != notices.DeliverySending || h.Error == "" {
		t.Errorf("hamlet: %s %q; want still sending with a note that it is not proven", h.State(), h.Error)
	}
	// Held for a while, it shows in /healthz (the outside probe found it
	// "ok" with such a row held for 25 minutes).
	r.clock.Add(10 * time.Minute)
	r.step()
	if hl := r.runner.Health(r.ctx); hl.Status != schedule.HealthDegraded || hl.OldestDueAgeSeconds < 600 {
		t.Errorf("health with an unproven delivery held 10 min = %s, oldest due %gs; want degraded, ≥ 600 s",
			hl.Status, hl.OldestDueAgeSeconds)
	}
	r.clock.Add(2 * time.Hour)
	r.step()
	h = r.deliveries(n.ID)["khom-1"]
	if h.State() != notices.DeliveryFailed || h.Error == "" {
		t.Errorf("after two hours: %s %q; want failed with a reason asking a person to check the group", h.State(), h.Error)
	}
	if got := r.received("Nhóm quá đông")[g.ID]; got != 1 {
		t.Errorf("group received %d copies; want 1", got)
	}
}

// An urgent delivery that meets three faults in a row goes out within
// about 14 s (2 s, 4 s, 8 s); a normal one in the same plight waits on
// the longer ladder (15 s, 30 s, 1 min).
func TestUrgentRetriesOnAShortLadder(t *testing.T) {
	for _, c := range []struct {
		priority notices.Priority
		byThen   int // copies received 20 s after the first try
	}{{notices.Urgent, 1}, {notices.Normal, 0}} {
		t.Run(string(c.priority), func(t *testing.T) {
			r := newRig(t, "2026-11-27 09:00")
			r.sim.FailNext(3, zalosim.Fault5xx)
			r.notice(notices.Notice{Title: "Triều cường", Priority: c.priority, Targets: []string{"khom-1"}})
			for range 20 {
				r.step() // one second each
			}
			if got := r.received("Triều cường")[r.groups[0].ID]; got != c.byThen {
				t.Errorf("%s after three faults: %d copies within 20 s; want %d", c.priority, got, c.byThen)
			}
			for range 10 {
				r.clock.Add(time.Minute)
				r.step()
			}
			if got := r.received("Triều cường")[r.groups[0].ID]; got != 1 {
				t.Errorf("%s: %d copies in the end; want 1", c.priority, got)
			}
		})
	}
}

// A send of this run whose answer was lost is looked for AnswerSettle
// after the call ended, not ReconcileAfter after the claim; before that it
// is neither resent nor settled.
func TestLostAnswerSettlesFromTheEndOfTheCall(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00", withConfig(func(c *schedule.Config) {
		c.ReconcileAfter, c.AnswerSettle = 20*time.Second, 5*time.Second
	}))
	r.sim.FailNext(1, zalosim.FaultLostAnswer)
	n := r.notice(notices.Notice{Title: "Cúp nước", Priority: notices.Urgent, Targets: []string{"khom-1"}})
	r.step() // the lost answer; +1 s
	r.clock.Add(2 * time.Second)
	r.step()
	if h := r.deliveries(n.ID)["khom-1"]; h.State() != notices.DeliverySending {
		t.Fatalf("3 s after the lost answer: %s; want still sending (settling)", h.State())
	}
	r.clock.Add(3 * time.Second)
	r.step() // 6 s after: read the history, find it
	if h := r.deliveries(n.ID)["khom-1"]; h.State() != notices.DeliverySent {
		t.Errorf("6 s after the lost answer: %s; want sent, found in the history well before ReconcileAfter", h.State())
	}
	if got := r.received("Cúp nước")[r.groups[0].ID]; got != 1 {
		t.Errorf("group received %d copies; want 1", got)
	}
}

// A later part that is due but waits for the part before it (whose answer
// was lost) must not hide a retry due later: the dispatcher sleeps until
// NextAttempt, and a past time there made it sleep a full minute.
func TestNextAttemptIsNotHiddenByAWaitingPart(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00", withConfig(func(c *schedule.Config) {
		c.ReconcileAfter, c.AnswerSettle = 20*time.Second, 20*time.Second
	}))
	// The short one first: while the long one's first part waits to be
	// reconciled, its commune is claimed urgent only (urgenthold.go).
	r.sim.FailNext(1, zalosim.Fault5xx)
	r.notice(notices.Notice{Title: "Ngắn", Targets: []string{"khom-2"}}) // retried in about 15 s
	r.step()
	r.sim.FailNext(1, zalosim.FaultLostAnswer)
	r.notice(notices.Notice{Title: "Dài", Priority: notices.Urgent, Targets: []string{"khom-1"},
		Body: strings.Repeat("Một câu thông báo khá dài để tách thành nhiều phần. ", 80)})
	r.step()
	now := r.clock.Now()
	next, err := r.store.NextAttempt(r.ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if next.IsZero() || !next.After(now) || next.After(now.Add(time.Minute)) {
		t.Errorf("NextAttempt = %v (now %v); want the retry of the short notice, a few seconds ahead", next, now)
	}
}

// pushingSender is the real client, except that before each history page
// after the first a resident posts in the group, pushing every item one
// place down: each page then starts with an item already read.
type pushingSender struct {
	*bot.Client
	sim    *zalosimtest.Server
	pages  int
	pushed bool
}

func (p *pushingSender) GroupConversationPage(ctx context.Context, groupID string, offset, count int) ([]bot.ConversationItem, error) {
	if offset > 0 && !p.pushed {
		p.sim.PostAsMember(groupID, "Cư dân", "tin mới trong lúc đọc")
		p.pushed = true
	}
	p.pages++
	return p.Client.GroupConversationPage(ctx, groupID, offset, count)
}

// A message that arrives while the history is paged pushes the items down:
// the next page may hold only items read already. That is not the end of
// what can be read (the soak saw such a delivery held as "not proven" for
// a minute): paging goes on, and a claim that never reached Zalo is sent.
func TestPagingPastItemsPushedDownByNewMessages(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	ps := &pushingSender{Client: r.client, sim: r.sim}
	runner, err := schedule.New(schedule.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm", Now: r.clock.Now,
		Bulletin: []notices.Recurrence{}, ReconcileAfter: time.Nanosecond, AnswerSettle: time.Nanosecond},
		r.store, schedule.NewOneCommune(1, ps), zerolog.New(zerolog.NewTestWriter(t)))
	if err != nil {
		t.Fatal(err)
	}
	r.runner = runner
	n := r.notice(notices.Notice{Title: "Sau khi sập nguồn", Targets: []string{"khom-1"}})
	if _, err := r.runner.RunOnce(r.ctx, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Claimed, then the process died before the call: nothing reached Zalo.
	if jobs, err := r.store.ClaimJobs(r.ctx, r.clock.Now(), 10, 2); err != nil || len(jobs) != 1 {
		t.Fatalf("claimed %d (%v); want 1", len(jobs), err)
	}
	for range 10 {
		r.sim.PostAsMember(r.groups[0].ID, "Cư dân", "Dạ")
	}
	r.clock.Add(time.Second)
	r.step()
	r.step()
	if got := r.received("Sau khi sập nguồn")[r.groups[0].ID]; got != 1 {
		t.Errorf("group received %d copies; want 1", got)
	}
	if h := r.deliveries(n.ID)["khom-1"]; h.State() != notices.DeliverySent {
		t.Errorf("hamlet: %s (%s); want sent", h.State(), h.Error)
	}
	if !ps.pushed || ps.pages < 3 {
		t.Errorf("pages read %d, pushed %v: the test did not page past a pushed-down item", ps.pages, ps.pushed)
	}
}
