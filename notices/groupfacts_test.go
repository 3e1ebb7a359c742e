package notices_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestGroupFactsAndReach: facts stored with a hamlet, a failed try keeping
// them, join/leave adjusting the count, and the count at send time kept on
// the delivery for the notice's reach even after the group grows.
func TestGroupFactsAndReach(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	checked := notices.GroupFacts{Name: "Khóm 1", HasMembers: true, TotalMember: 40, MaxMember: 100, Status: "enabled",
		AssetID: "gmf100", ValidThrough: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), CheckedAt: fixedNow}
	h1 := notices.Hamlet{Code: "khom-1", Name: "Khóm 1", GroupID: "g1", Facts: &checked}
	h2 := notices.Hamlet{Code: "khom-2", Name: "Khóm 2", GroupID: "g2",
		Facts: &notices.GroupFacts{CheckError: "Zalo không trả lời"}}
	h3 := notices.Hamlet{Code: "khom-3", Name: "Khóm 3", GroupID: "g3"}
	for _, h := range []*notices.Hamlet{&h1, &h2, &h3} {
		if err := s.CreateHamlet(ctx, "test", h); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.AllGroupFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f := all["g1"]; !f.Checked() || f.TotalMember != 40 || f.MaxMember != 100 || !f.ValidThrough.Equal(checked.ValidThrough) {
		t.Errorf("facts of g1 = %+v; want the check stored with the hamlet", f)
	}
	if f := all["g2"]; f.Checked() || f.CheckError != "Zalo không trả lời" || f.HasMembers {
		t.Errorf("facts of g2 = %+v; want an unchecked try with its reason", f)
	}
	if _, ok := all["g3"]; ok {
		t.Errorf("g3 has facts; want none")
	}
	// A try that gets no answer keeps what is known.
	if err := s.UpdateGroupFacts(ctx, "g1", notices.GroupFacts{CheckError: "mạng lỗi"}); err != nil {
		t.Fatal(err)
	}
	if f, _, _ := s.GroupFactsOf(ctx, "g1"); f.TotalMember != 40 || !f.Checked() || f.CheckError != "mạng lỗi" {
		t.Errorf("after a failed try: %+v; want the 40 members kept and the error noted", f)
	}
	if err := s.AdjustGroupMembers(ctx, "g1", 2); err != nil {
		t.Fatal(err)
	}
	if err := s.AdjustGroupMembers(ctx, "g2", 5); err != nil { // count unknown: left alone
		t.Fatal(err)
	}
	n := &notices.Notice{Title: "Họp", Body: "Tối nay", Source: notices.SourceWeb, Author: "lan", Status: notices.StatusApproved}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	sendNotice(t, s, n.ID, []notices.Hamlet{h1, h2, h3}, notices.DeliverySent, notices.DeliverySent, notices.DeliveryFailed)
	if err := s.AdjustGroupMembers(ctx, "g1", 50); err != nil { // joins after the send
		t.Fatal(err)
	}
	hd, err := s.NoticeDeliveries(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := notices.ReachOf(hd)
	if r != (notices.Reach{Groups: 2, Members: 42, UnknownMembers: 1}) {
		t.Errorf("ReachOf = %+v; want 2 groups, 42 members at send time, 1 group of unknown size", r)
	}
	if f, _, _ := s.GroupFactsOf(ctx, "g1"); f.TotalMember != 92 {
		t.Errorf("members of g1 now = %d; want 92", f.TotalMember)
	}
}

// TestGroupAlarms: expiring within 7 days, expired, disabled, gone and full
// groups raise their alarms, with dates in the commune zone; auto-renewal,
// a far end and inactive hamlets do not.
func TestGroupAlarms(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	hcm := s.Location()
	now := time.Date(2026, 12, 1, 20, 0, 0, 0, hcm)
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, hcm) }
	base := notices.GroupFacts{HasMembers: true, TotalMember: 10, MaxMember: 100, Status: "enabled", CheckedAt: now}
	cases := []struct {
		code string
		f    func(f *notices.GroupFacts)
		want string // kinds, comma-separated
		text string // in the message
	}{
		{"in-3-days", func(f *notices.GroupFacts) { f.ValidThrough = day(4) }, "expiring", "04/12/2026 (còn 3 ngày)"},
		{"today", func(f *notices.GroupFacts) { f.ValidThrough = day(1) }, "expiring", "hết hôm nay"},
		{"in-8-days", func(f *notices.GroupFacts) { f.ValidThrough = day(9) }, "", ""},
		{"renews", func(f *notices.GroupFacts) { f.ValidThrough = day(2); f.AutoRenew = true }, "", ""},
		{"expired", func(f *notices.GroupFacts) { f.ValidThrough = day(1).AddDate(0, 0, -1) }, "expired", "30/11/2026"},
		{"disabled", func(f *notices.GroupFacts) { f.Status = "disabled" }, "disabled", "đang bị tắt"},
		{"full", func(f *notices.GroupFacts) { f.TotalMember = 100 }, "full", "100/100"},
	}
	for i, c := range cases {
		f := base
		c.f(&f)
		h := notices.Hamlet{Code: c.code, Name: "Ấp " + c.code, GroupID: "g" + c.code, Facts: &f}
		if err := s.CreateHamlet(ctx, "test", &h); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
	gone := notices.Hamlet{Code: "gone", Name: "Ấp gone", GroupID: "ggone", Facts: &base}
	off := notices.Hamlet{Code: "off", Name: "Ấp off", GroupID: "goff", Facts: &notices.GroupFacts{Status: "disabled", CheckedAt: now}}
	for _, h := range []*notices.Hamlet{&gone, &off} {
		if err := s.CreateHamlet(ctx, "test", h); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkGroupGone(ctx, "ggone", "nhóm đã bị giải tán"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHamletActive(ctx, "test", "off", false); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct {
		code string
		f    func(f *notices.GroupFacts)
		want string
		text string
	}{code: "gone", want: "gone", text: "nhóm đã bị giải tán"})
	alarms, err := s.GroupAlarms(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]notices.GroupAlarm{}
	for _, a := range alarms {
		got[a.HamletCode] = append(got[a.HamletCode], a)
	}
	for _, c := range cases {
		var kinds []string
		for _, a := range got[c.code] {
			kinds = append(kinds, a.Kind)
			if c.text != "" && !strings.Contains(a.Message, c.text) {
				t.Errorf("%s: message %q; want it to say %q", c.code, a.Message, c.text)
			}
		}
		if strings.Join(kinds, ",") != c.want {
			t.Errorf("%s: alarms %v; want %q", c.code, kinds, c.want)
		}
	}
	if len(got["off"]) != 0 {
		t.Errorf("an inactive hamlet raised %v", got["off"])
	}
	// A check that finds the group again clears the gone mark.
	if err := s.UpdateGroupFacts(ctx, "ggone", base); err != nil {
		t.Fatal(err)
	}
	if f, _, _ := s.GroupFactsOf(ctx, "ggone"); !f.GoneAt.IsZero() || f.GoneReason != "" {
		t.Errorf("after a check found it: %+v; want gone cleared", f)
	}
}

// TestAnyDue: a queued normal delivery is due from its time, for a rank
// that includes normal, not for urgent only.
func TestAnyDue(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	h := notices.Hamlet{Code: "khom-1", Name: "Khóm 1", GroupID: "g1"}
	if err := s.CreateHamlet(ctx, "test", &h); err != nil {
		t.Fatal(err)
	}
	n := &notices.Notice{Title: "Họp", Body: "Tối nay", Source: notices.SourceWeb, Author: "lan", Status: notices.StatusApproved}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: n.ID, DueAt: fixedNow, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Priority: 1, Targets: []notices.Target{{HamletID: h.ID, GroupID: h.GroupID}}, LastDueAt: fixedNow}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		rank notices.PriorityRank
		want bool
	}{{fixedNow, 2, true}, {fixedNow, 1, true}, {fixedNow, 0, false}, {fixedNow.Add(-time.Minute), 2, false}} {
		if got, err := s.AnyDue(ctx, c.at, c.rank); err != nil || got != c.want {
			t.Errorf("AnyDue(%v, %d) = %v, %v; want %v", c.at, c.rank, got, err, c.want)
		}
	}
}

// TestGroupAlarmsNameTheCommune: with several communes, whose hamlet codes
// and names repeat, a group's alarm names its commune (fields and
// message), and a send Zalo took for the group ends its "gone" alarm.
func TestGroupAlarmsNameTheCommune(t *testing.T) {
	s, _ := openProvince(t) // xa-an-phu: ap-1 (g-ap-1), ap-2; xa-phu-hoa: ap-1 (g-ph-ap-1)
	ctx := context.Background()
	if err := s.MarkGroupGone(ctx, "g-ph-ap-1", "Zalo từ chối gửi tin: OA không ở trong nhóm (lỗi -403)"); err != nil {
		t.Fatal(err)
	}
	as, err := s.GroupAlarms(ctx, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Kind != notices.AlarmGone || as[0].Commune != "xa-phu-hoa" || as[0].CommuneName != "UBND xã Phú Hòa" ||
		!strings.Contains(as[0].Message, "Ấp 1 (nhóm Zalo g-ph-ap-1) của UBND xã Phú Hòa (xa-phu-hoa)") {
		t.Fatalf("alarms = %+v; want Phú Hòa's Ấp 1 gone, naming its commune", as)
	}
	todo, err := s.GroupsReached(ctx, []string{"g-ph-ap-1", "g-ap-1"})
	if err != nil {
		t.Fatal(err)
	}
	if as, _ := s.GroupAlarms(ctx, fixedNow); len(as) != 0 {
		t.Errorf("alarms after a send reached the group = %+v; want none", as)
	}
	// Both want a check: one was gone, the other was never checked.
	if strings.Join(todo, ",") != "g-ph-ap-1,g-ap-1" && strings.Join(todo, ",") != "g-ap-1,g-ph-ap-1" {
		t.Errorf("GroupsReached = %v; want both groups to check", todo)
	}
}
