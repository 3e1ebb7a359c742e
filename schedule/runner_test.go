package schedule_test

import (
	"bytes"
	"fmt"
	"image"
	pngenc "image/png"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
)

func TestApprovedNoticeReachesEveryGroupOnce(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	r.notice(notices.Notice{Title: "Họp dân khóm"})
	r.notice(notices.Notice{Title: "Chưa duyệt", Status: notices.StatusPending})
	r.notice(notices.Notice{Title: "Hẹn giờ", PublishAt: at(t, "2026-11-27 11:00")})
	r.notice(notices.Notice{Title: "Riêng khóm 2", Targets: []string{"khom-2"}})

	r.step()
	r.step() // a second pass must send nothing again

	got := r.received("Họp dân khóm")
	for _, g := range r.groups {
		if got[g.ID] != 1 {
			t.Errorf("group %s received the notice %d times; want 1", g.ID, got[g.ID])
		}
	}
	if n := len(r.received("Chưa duyệt")); n != 0 {
		t.Errorf("a pending notice reached %d groups; want 0", n)
	}
	if n := len(r.received("Hẹn giờ")); n != 0 {
		t.Errorf("a notice due at 11:00 reached %d groups at 09:00; want 0", n)
	}
	only := r.received("Riêng khóm 2")
	if len(only) != 1 || only[r.groups[1].ID] != 1 {
		t.Errorf("a notice for khom-2 reached %v; want only %s once", only, r.groups[1].ID)
	}

	r.clock.Set(at(t, "2026-11-27 11:00"))
	r.step()
	if n := len(r.received("Hẹn giờ")); n != len(r.groups) {
		t.Errorf("at 11:00 the scheduled notice reached %d groups; want %d", n, len(r.groups))
	}
}

func TestLongNoticeArrivesAsOrderedParts(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	var body strings.Builder
	for i := 1; body.Len() < 9000; i++ {
		fmt.Fprintf(&body, "Đoạn %d: bà con khóm chú ý lịch cắt điện và lịch tiêm chủng trong tuần. ", i)
		if i%12 == 0 {
			body.WriteString("\n\n")
		}
	}
	n := r.notice(notices.Notice{Title: "Thông báo dài", Body: body.String(), Targets: []string{"khom-1"}})
	for r.step() > 0 {
	}
	msgs := r.sim.Messages(r.groups[0].ID)
	if len(msgs) < 3 {
		t.Fatalf("a %d-character notice arrived in %d messages; want at least 3 parts", len([]rune(body.String())), len(msgs))
	}
	for i, m := range msgs {
		marker := fmt.Sprintf("(%d/%d)", i+1, len(msgs))
		if !strings.Contains(m.Text, marker) {
			t.Errorf("message %d does not carry %s: %.60q…", i+1, marker, m.Text)
		}
		if len([]rune(m.Text)) > 2000 {
			t.Errorf("message %d has %d characters; Zalo takes at most 2000", i+1, len([]rune(m.Text)))
		}
	}
	if st := r.deliveries(n.ID)["khom-1"]; st.Count[notices.DeliverySent] != len(msgs) || st.Total != len(msgs) {
		t.Errorf("khom-1 deliveries = %v of %d; want all %d sent", st.Count, st.Total, len(msgs))
	}
}

func TestRecurringNoticeFiresOnScheduleAndSkipsLateOccurrences(t *testing.T) {
	r := newRig(t, "2026-11-27 06:00")
	n := r.notice(notices.Notice{Title: "Nhắc thu gom rác", Recurrence: "0 7 * * *", Targets: []string{"khom-1"}})

	r.step()
	if got := len(r.sim.Messages(r.groups[0].ID)); got != 0 {
		t.Fatalf("before 07:00: %d messages; want 0", got)
	}
	r.clock.Set(at(t, "2026-11-27 07:00"))
	r.step()
	r.clock.Set(at(t, "2026-11-27 12:00"))
	r.step()
	if got := len(r.sim.Messages(r.groups[0].ID)); got != 1 {
		t.Fatalf("after the first 07:00: %d messages; want 1", got)
	}
	// The daemon is down from the 28th 06:00 to 09:30: 2.5 h late, skipped.
	r.clock.Set(at(t, "2026-11-28 09:30"))
	r.step()
	if got := len(r.sim.Messages(r.groups[0].ID)); got != 1 {
		t.Errorf("an occurrence 2h30 late was sent: %d messages; want still 1", got)
	}
	// On the 29th it starts at 07:20: 20 minutes late is within the bound.
	r.clock.Set(at(t, "2026-11-29 07:20"))
	r.step()
	if got := len(r.sim.Messages(r.groups[0].ID)); got != 2 {
		t.Errorf("an occurrence 20 min late: %d messages in all; want 2", got)
	}
	occ, err := r.store.Occurrences(r.ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, o := range occ {
		states = append(states, o.DueAt.In(hcm).Format("02 15:04")+" "+o.Status)
		if o.Status == notices.OccurrenceSkipped && !strings.Contains(o.Reason, "trễ") {
			t.Errorf("skipped occurrence reason %q does not say it was late", o.Reason)
		}
	}
	want := "27 07:00 queued, 28 07:00 skipped, 29 07:00 queued"
	if got := strings.Join(states, ", "); got != want {
		t.Errorf("occurrences = %s; want %s", got, want)
	}
}

func TestQuietHoursHoldNormalNoticesNotUrgentOnes(t *testing.T) {
	q, _ := schedule.ParseQuietHours("21:00-06:00")
	r := newRig(t, "2026-11-27 22:15", withConfig(func(c *schedule.Config) { c.QuietHours = q }))
	r.notice(notices.Notice{Title: "Lịch họp tuần sau", Priority: notices.Normal})
	r.notice(notices.Notice{Title: "Nước lũ lên nhanh", Priority: notices.Urgent})
	r.step()
	if n := len(r.received("Nước lũ lên nhanh")); n != len(r.groups) {
		t.Errorf("urgent notice at 22:15 reached %d groups; want %d", n, len(r.groups))
	}
	if n := len(r.received("Lịch họp tuần sau")); n != 0 {
		t.Errorf("normal notice at 22:15 reached %d groups; want 0 until 06:00", n)
	}
	r.clock.Set(at(t, "2026-11-28 05:59"))
	r.step()
	if n := len(r.received("Lịch họp tuần sau")); n != 0 {
		t.Errorf("normal notice at 05:59 reached %d groups; want 0", n)
	}
	r.clock.Set(at(t, "2026-11-28 06:00"))
	r.step()
	if n := len(r.received("Lịch họp tuần sau")); n != len(r.groups) {
		t.Errorf("normal notice at 06:00 reached %d groups; want %d", n, len(r.groups))
	}
}

func TestDeliveryAcrossTokenExpiriesWithRotation(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	before := r.sim.Stats().Refreshes
	for i := range 5 {
		r.sim.ExpireAccessTokens()
		r.notice(notices.Notice{Title: fmt.Sprintf("Thông báo số %d", i+1)})
		r.step()
	}
	for i := range 5 {
		if n := len(r.received(fmt.Sprintf("Thông báo số %d", i+1))); n != len(r.groups) {
			t.Errorf("notice %d reached %d groups; want %d", i+1, n, len(r.groups))
		}
	}
	if got := r.sim.Stats().Refreshes - before; got != 5 {
		t.Errorf("refreshes = %d; want one per expiry, 5", got)
	}
	if !r.client.Health().Connected {
		t.Error("client disconnected after rotations")
	}
}

func TestPermanentErrorFailsOnlyThatHamlet(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	if err := r.store.CreateHamlet(r.ctx, "test", &notices.Hamlet{Code: "ap-la", Name: "Ấp lạ",
		GroupID: "f414c8f76fa586fb0000", Active: true}); err != nil {
		t.Fatal(err)
	}
	n := r.notice(notices.Notice{Title: "Cúp điện"})
	r.step()
	st := r.deliveries(n.ID)
	if got := st["ap-la"].State(); got != notices.DeliveryFailed {
		t.Errorf("hamlet whose group the OA is not in: %s; want failed", got)
	}
	if !strings.Contains(st["ap-la"].Error, "OA không ở trong nhóm") || st["ap-la"].ErrorCode != -403 {
		t.Errorf("failure reason = %d %q; want -403 and a plain reason", st["ap-la"].ErrorCode, st["ap-la"].Error)
	}
	for code, h := range st {
		if code != "ap-la" && h.State() != notices.DeliverySent {
			t.Errorf("hamlet %s: %s; want sent", code, h.State())
		}
	}
	if r.sim.Stats().Sends != len(r.groups) {
		t.Errorf("simulator recorded %d sends; want %d (the failure is not retried)", r.sim.Stats().Sends, len(r.groups))
	}
	// The later parts of a long message to that group fail with the first.
	long := r.notice(notices.Notice{Title: "Dài", Body: strings.Repeat("Một câu thông báo khá dài cho bà con. ", 150),
		Targets: []string{"ap-la"}})
	r.step()
	ap := r.deliveries(long.ID)["ap-la"]
	if ap.Total < 2 || ap.Count[notices.DeliveryFailed] != ap.Total {
		t.Errorf("parts of a long message to a group the OA is not in: %v of %d; want all failed", ap.Count, ap.Total)
	}
}

func TestTransientErrorsAreRetriedWithBackoff(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	r.sim.FailNext(2, zalosim.Fault5xx)
	r.sim.FailNext(1, zalosim.FaultSendFailed)
	n := r.notice(notices.Notice{Title: "Tiêm chủng"})
	r.step()
	var retry int
	for _, h := range r.deliveries(n.ID) {
		retry += h.Count[notices.DeliveryRetry]
	}
	if retry != 3 {
		t.Fatalf("after 2 5xx and one -200: %d deliveries to retry; want 3", retry)
	}
	r.step()
	if got := len(r.received("Tiêm chủng")); got != len(r.groups)-3 {
		t.Errorf("a retry went before its backoff: %d groups have it; want %d", got, len(r.groups)-3)
	}
	r.clock.Add(time.Hour)
	r.step()
	for _, g := range r.groups {
		if got := r.received("Tiêm chủng")[g.ID]; got != 1 {
			t.Errorf("group %s received %d copies; want 1", g.ID, got)
		}
	}
}

func TestLostAnswersAreReconciledNotResent(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	r.sim.FailNext(3, zalosim.FaultLostAnswer)
	n := r.notice(notices.Notice{Title: "Mất trả lời"})
	r.step()
	r.step() // reconciles the three, then nothing is left to send
	for _, g := range r.groups {
		if got := r.received("Mất trả lời")[g.ID]; got != 1 {
			t.Errorf("group %s received %d copies; want exactly 1", g.ID, got)
		}
	}
	for code, h := range r.deliveries(n.ID) {
		if h.State() != notices.DeliverySent {
			t.Errorf("hamlet %s: %s; want sent", code, h.State())
		}
	}
}

func TestCancelWithdrawsWhatArrivedAndStopsWhatDidNot(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	sent := r.notice(notices.Notice{Title: "Họp tổ dân phố"})
	later := r.notice(notices.Notice{Title: "Phát gạo", PublishAt: at(t, "2026-11-27 15:00")})
	r.step()
	r.notice(notices.Notice{Title: "Hủy họp", Kind: notices.KindCancel, RefersTo: sent.ID})
	// A withdrawal of a notice no group has received is refused (it would
	// quote the title on the public page before residents saw it): the
	// notice itself is stopped instead.
	c2 := notices.Notice{Title: "Hủy phát gạo", Body: "x", Kind: notices.KindCancel, RefersTo: later.ID,
		Status: notices.StatusApproved, Source: notices.SourceCLI, Author: "canbo"}
	if err := r.store.CreateNotice(r.ctx, &c2); err == nil {
		t.Fatalf("a withdrawal of a notice not yet sent was accepted")
	}
	if _, err := r.store.CancelNotice(r.ctx, later.ID, "canbo", "không phát gạo nữa"); err != nil {
		t.Fatal(err)
	}
	r.step()
	r.clock.Set(at(t, "2026-11-27 16:00"))
	r.step()
	for _, g := range r.groups {
		if got := r.received("HỦY THÔNG BÁO")[g.ID]; got != 1 {
			t.Errorf("group %s received %d withdrawals; want 1 (for the notice it received)", g.ID, got)
		}
	}
	if n := len(r.received("Phát gạo")); n != 0 {
		t.Errorf("the withdrawn notice or its withdrawal reached %d groups; want 0", n)
	}
	for id, want := range map[int64]notices.Status{sent.ID: notices.StatusCancelled, later.ID: notices.StatusCancelled} {
		got, err := r.store.Notice(r.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want {
			t.Errorf("notice %d %q is %s; want %s", id, got.Title, got.Status, want)
		}
	}
}

func TestLowNoticesGoOutTogetherInTheBulletin(t *testing.T) {
	r := newRig(t, "2026-11-27 08:00", withConfig(func(c *schedule.Config) {
		rec, err := notices.ParseRecurrence("30 6,17 * * *", hcm)
		if err != nil {
			t.Fatal(err)
		}
		c.Bulletin = []notices.Recurrence{rec}
	}))
	fee := r.notice(notices.Notice{Title: "Lịch thu phí vệ sinh", Priority: notices.Low})
	club := r.notice(notices.Notice{Title: "Câu lạc bộ dưỡng sinh", Priority: notices.Low, Targets: []string{"khom-1"}})
	r.step()
	r.clock.Set(at(t, "2026-11-27 17:29"))
	r.step()
	if n := len(r.sim.AllMessages()); n != 0 {
		t.Fatalf("low notices went out one by one before the slot: %d messages", n)
	}
	r.clock.Set(at(t, "2026-11-27 17:30"))
	if _, err := r.runner.RunOnce(r.ctx, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.store.Notice(r.ctx, fee.ID); got.Status != notices.StatusApproved {
		t.Errorf("low notice with its bulletins made but not sent: %s; want still approved", got.Status)
	}
	r.step()
	r.step()
	for i, g := range r.groups {
		msgs := r.sim.Messages(g.ID)
		if len(msgs) != 1 {
			t.Fatalf("group %s got %d messages at the 17:30 slot; want one bulletin", g.ID, len(msgs))
		}
		text := msgs[0].Text
		if !strings.Contains(text, "BẢN TIN") || !strings.Contains(text, "Lịch thu phí vệ sinh") {
			t.Errorf("group %s bulletin lacks its header or notice: %q", g.ID, text)
		}
		if has := strings.Contains(text, "Câu lạc bộ dưỡng sinh"); has != (i == 0) {
			t.Errorf("group %s bulletin has the khom-1 notice = %v; want %v", g.ID, has, i == 0)
		}
	}
	// Staff see each low notice as sent, hamlet by hamlet, through the bulletin.
	for code, h := range r.deliveries(fee.ID) {
		if h.State() != notices.DeliverySent {
			t.Errorf("low notice in hamlet %s: %q; want sent in the bulletin", code, h.State())
		}
	}
	if st := r.deliveries(club.ID); len(st) != 1 || st["khom-1"].State() != notices.DeliverySent {
		t.Errorf("khom-1 only notice: %v; want sent to khom-1 alone", st)
	}
	if got, err := r.store.Notice(r.ctx, fee.ID); err != nil || got.Status != notices.StatusDone {
		t.Errorf("low notice after its bulletins went out: %v %v; want done", got.Status, err)
	}
	r.clock.Set(at(t, "2026-11-28 06:30"))
	r.step()
	if n := len(r.sim.AllMessages()); n != len(r.groups) {
		t.Errorf("the next slot with nothing to say sent %d messages in all; want still %d", n, len(r.groups))
	}
}

func TestImageIsUploadedOncePerOccurrenceAndSentToEachGroup(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	r.notice(notices.Notice{Title: "Bản đồ vùng ngập", Image: png.Bytes(), ImageType: "image/png", Priority: notices.Urgent})
	r.step()
	if got := r.sim.Stats().Uploads; got != 1 {
		t.Errorf("uploads = %d; want one for the occurrence", got)
	}
	var attachment string
	for _, g := range r.groups {
		msgs := r.sim.Messages(g.ID)
		if len(msgs) != 1 || msgs[0].AttachmentID == "" || !strings.Contains(msgs[0].Text, "Bản đồ vùng ngập") {
			t.Fatalf("group %s got %+v; want one image message with the notice as its caption", g.ID, msgs)
		}
		if attachment != "" && msgs[0].AttachmentID != attachment {
			t.Errorf("group %s got attachment %s; want the one upload %s", g.ID, msgs[0].AttachmentID, attachment)
		}
		attachment = msgs[0].AttachmentID
	}
}

func TestClaimsLeftByACrashAreSettledFromHistory(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	if err := r.store.CreateHamlet(r.ctx, "test", &notices.Hamlet{Code: "ap-cu", Name: "Ấp cũ",
		GroupID: "00000000000000000403", Active: true}); err != nil {
		t.Fatal(err)
	}
	n := r.notice(notices.Notice{Title: "Sau sự cố"})
	if _, err := r.runner.RunOnce(r.ctx, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// The process claimed every delivery, sent two of them, and died
	// before recording anything.
	jobs, err := r.store.ClaimJobs(r.ctx, r.clock.Now(), 100, 2)
	if err != nil || len(jobs) != len(r.groups)+1 {
		t.Fatalf("claimed %d deliveries (%v); want %d", len(jobs), err, len(r.groups)+1)
	}
	sent := 0
	for _, j := range jobs {
		if j.GroupID != "00000000000000000403" && sent < 2 {
			if _, err := r.client.SendGroupText(r.ctx, j.GroupID, j.Body); err != nil {
				t.Fatal(err)
			}
			sent++
		}
	}
	r.clock.Add(time.Second)
	r.step()
	r.step()
	for _, g := range r.groups {
		if got := r.received("Sau sự cố")[g.ID]; got != 1 {
			t.Errorf("group %s received %d copies; want exactly 1", g.ID, got)
		}
	}
	st := r.deliveries(n.ID)
	if st["ap-cu"].State() != notices.DeliveryFailed || st["ap-cu"].ErrorCode != -403 {
		t.Errorf("a claim left for a group the OA is not in: %s %d; want failed with -403", st["ap-cu"].State(), st["ap-cu"].ErrorCode)
	}
}
