package notices

import (
	"testing"
	"time"
)

func testRules(t *testing.T) (Rules, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuietHours("21:00-06:00")
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRules(loc, q, []string{"30 6,17 * * *"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return r, loc
}

func TestRulesNextDue(t *testing.T) {
	r, loc := testRules(t)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation(LocalLayout, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	now := at("2026-12-01 10:00")
	for _, c := range []struct {
		name string
		n    Notice
		want time.Time
	}{
		{"one-off later", Notice{PublishAt: at("2026-12-01 15:00")}, at("2026-12-01 15:00")},
		{"one-off already due", Notice{PublishAt: at("2026-12-01 09:00")}, time.Time{}},
		{"one-off at expiry", Notice{PublishAt: at("2026-12-01 15:00"), ExpiresAt: at("2026-12-01 15:00")}, time.Time{}},
		{"daily", Notice{Recurrence: "0 7 * * *", ApprovedAt: at("2026-11-30 08:00")}, at("2026-12-02 07:00")},
		{"daily from its start", Notice{Recurrence: "0 7 * * *", PublishAt: at("2026-12-05 07:00")}, at("2026-12-05 07:00")},
		{"daily past expiry", Notice{Recurrence: "0 7 * * *", ExpiresAt: at("2026-12-02 07:00")}, time.Time{}},
	} {
		if got := r.NextDue(&c.n, now); !got.Equal(c.want) {
			t.Errorf("%s: NextDue = %v, want %v", c.name, got.In(loc), c.want.In(loc))
		}
	}
	n := Notice{Recurrence: "0 7 * * *", ExpiresAt: at("2026-12-04 08:00")}
	if got := r.NextDueN(&n, now, 5); len(got) != 3 || !got[2].Equal(at("2026-12-04 07:00")) {
		t.Errorf("NextDueN = %v, want the 2nd, 3rd and 4th at 07:00", got)
	}
}

func TestRulesSendAt(t *testing.T) {
	r, loc := testRules(t)
	at := func(s string) time.Time {
		v, _ := time.ParseInLocation(LocalLayout, s, loc)
		return v.UTC()
	}
	for _, c := range []struct {
		p         Priority
		due, want string
	}{
		{Urgent, "2026-12-01 22:00", "2026-12-01 22:00"},
		{Normal, "2026-12-01 22:00", "2026-12-02 06:00"},
		{Normal, "2026-12-01 10:00", "2026-12-01 10:00"},
		{Low, "2026-12-01 10:00", "2026-12-01 17:30"},
		{Low, "2026-12-01 22:00", "2026-12-02 06:30"},
	} {
		if got := r.SendAt(c.p, at(c.due), at(c.due)); !got.Equal(at(c.want)) {
			t.Errorf("SendAt(%s, %s) = %s, want %s", c.p, c.due, FormatLocal(got, loc), c.want)
		}
	}
	// Handed over late: from now, not from when it fell due.
	if got := r.SendAt(Normal, at("2026-12-01 20:00"), at("2026-12-01 21:30")); !got.Equal(at("2026-12-02 06:00")) {
		t.Errorf("late SendAt = %s, want 06:00 next day", FormatLocal(got, loc))
	}
}

func TestStillSendable(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		n    Notice
		want bool
	}{
		{"approved", Notice{Status: StatusApproved}, true},
		{"done, a retry may still go", Notice{Status: StatusDone}, true},
		{"cancelled", Notice{Status: StatusCancelled}, false},
		{"rejected", Notice{Status: StatusRejected}, false},
		{"expired status", Notice{Status: StatusExpired}, false},
		{"past its expiry", Notice{Status: StatusApproved, ExpiresAt: now}, false},
		{"before its expiry", Notice{Status: StatusApproved, ExpiresAt: now.Add(time.Second)}, true},
	} {
		if got := StillSendable(&c.n, now); got != c.want {
			t.Errorf("%s: StillSendable = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRulesBulletinForAndWaitText(t *testing.T) {
	r, loc := testRules(t)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation(LocalLayout, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	now := at("2026-12-01 10:00")
	if got := r.LastBulletin(now); !got.Equal(at("2026-12-01 06:30")) {
		t.Errorf("LastBulletin = %s", FormatLocal(got, loc))
	}
	for _, c := range []struct {
		name string
		n    Notice
		want string
	}{
		{"approved, not yet made due", Notice{Status: StatusApproved, Priority: Low, ApprovedAt: now}, "2026-12-01 17:30"},
		{"held since 08:00", Notice{Status: StatusApproved, Priority: Low, LastDueAt: at("2026-12-01 08:00")}, "2026-12-01 17:30"},
		{"gathered at 06:30 already", Notice{Status: StatusApproved, Priority: Low, LastDueAt: at("2026-12-01 06:00")}, ""},
		{"published at 20:00", Notice{Status: StatusApproved, Priority: Low, PublishAt: at("2026-12-01 20:00")}, "2026-12-02 06:30"},
	} {
		got := FormatLocal(r.BulletinFor(&c.n, now), loc)
		if got != c.want {
			t.Errorf("%s: BulletinFor = %q, want %q", c.name, got, c.want)
		}
	}
	n := &Notice{Status: StatusApproved, Priority: Normal}
	for _, c := range []struct {
		name string
		h    HamletDeliveries
		now  time.Time
		want string
	}{
		{"queued for the morning", HamletDeliveries{Count: map[DeliveryState]int{DeliveryQueued: 1},
			NextAttemptAt: at("2026-12-02 06:00")}, at("2026-12-01 22:00"), "chờ hết giờ yên lặng, dự kiến 06:00"},
		{"queued before the quiet hours began", HamletDeliveries{Count: map[DeliveryState]int{DeliveryQueued: 1},
			NextAttemptAt: at("2026-12-01 20:59")}, at("2026-12-01 21:30"), "chờ hết giờ yên lặng, dự kiến 06:00"},
		{"retry", HamletDeliveries{Count: map[DeliveryState]int{DeliveryRetry: 1},
			NextAttemptAt: at("2026-12-01 10:12")}, now, "thử lại lúc 10:12"},
		{"queued, due now", HamletDeliveries{Count: map[DeliveryState]int{DeliveryQueued: 1},
			NextAttemptAt: now}, now, ""},
		{"sent", HamletDeliveries{Count: map[DeliveryState]int{DeliverySent: 1}}, now, ""},
	} {
		if got := r.WaitText(n, c.h, c.now); got != c.want {
			t.Errorf("%s: WaitText = %q, want %q", c.name, got, c.want)
		}
	}
}
