package notices_test

import (
	"context"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestScopeQueries: a commune's lists hold its own notices and the
// province's aimed at it (all, the commune, or one of its hamlets), its
// own deliveries and audit entries, and nothing of another commune's.
func TestScopeQueries(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	mk := func(title, commune string, targets ...string) *notices.Notice {
		t.Helper()
		n := notices.Notice{Title: title, Body: "b", Commune: commune, Targets: targets, Status: notices.StatusApproved,
			Source: notices.SourceCLI, Author: "cli"}
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Fatalf("%s: %v", title, err)
		}
		return &n
	}
	own := mk("an-phu", "xa-an-phu")
	other := mk("phu-hoa", "xa-phu-hoa")
	all := mk("tinh-all", notices.Province)
	toPhuHoa := mk("tinh-phu-hoa", notices.Province, "xa-phu-hoa")
	toHamlet := mk("tinh-ap", notices.Province, "xa-phu-hoa/ap-1", "xa-an-phu/ap-2")
	for _, c := range []struct {
		n    *notices.Notice
		code string
		want bool
	}{
		{own, "xa-an-phu", true}, {own, "xa-phu-hoa", false}, {other, "xa-an-phu", false},
		{all, "xa-an-phu", true}, {toPhuHoa, "xa-an-phu", false}, {toPhuHoa, "xa-phu-hoa", true},
		{toHamlet, "xa-an-phu", true}, {toHamlet, "xa-phu-hoa", true}, {toHamlet, "xa", false},
	} {
		if got := notices.Reaches(c.n, c.code); got != c.want {
			t.Errorf("Reaches(%s, %s) = %v", c.n.Title, c.code, got)
		}
	}
	if got := notices.TargetsIn(toHamlet, "xa-an-phu"); len(got) != 1 || got[0] != "ap-2" {
		t.Errorf("TargetsIn(tinh-ap, xa-an-phu) = %v", got)
	}
	titles := func(f notices.NoticeFilter) map[string]bool {
		t.Helper()
		ns, err := s.Notices(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.CountNotices(ctx, f)
		if err != nil || n != len(ns) {
			t.Errorf("CountNotices = %d, %v; Notices %d", n, err, len(ns))
		}
		out := map[string]bool{}
		for _, n := range ns {
			out[n.Title] = true
		}
		return out
	}
	got := titles(notices.NoticeFilter{Reaches: "xa-an-phu"})
	if len(got) != 3 || !got["an-phu"] || !got["tinh-all"] || !got["tinh-ap"] {
		t.Errorf("Reaches xa-an-phu lists %v", got)
	}
	got = titles(notices.NoticeFilter{Reaches: "xa-phu-hoa"})
	if len(got) != 4 || got["an-phu"] || !got["tinh-phu-hoa"] {
		t.Errorf("Reaches xa-phu-hoa lists %v", got)
	}

	// Deliveries and activity per commune.
	ts, err := s.NoticeTargets(ctx, all)
	if err != nil || len(ts) != 3 {
		t.Fatalf("targets of tinh-all: %v %v", ts, err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: all.ID, DueAt: fixedNow, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Targets: ts}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		commune int64
		want    int
	}{{0, 3}, {1, 2}, {2, 1}} {
		act, err := s.ActivityOf(ctx, c.commune, []int64{all.ID, own.ID})
		if err != nil {
			t.Fatal(err)
		}
		if a := act[all.ID]; a == nil || a.Total() != c.want || act[own.ID] != nil {
			t.Errorf("ActivityOf(%d): %+v; want %d deliveries of tinh-all", c.commune, act[all.ID], c.want)
		}
		rows, err := s.DeliveriesPageOf(ctx, c.commune, fixedNow.Add(-time.Hour), fixedNow.Add(time.Hour), 0, 100)
		if err != nil || len(rows) != c.want {
			t.Errorf("DeliveriesPageOf(%d) = %d rows, %v; want %d", c.commune, len(rows), err, c.want)
		}
	}
	for _, c := range []struct {
		commune int64
		has     map[int64]bool // notice ids whose creation must be there (true) or not (false)
	}{
		{1, map[int64]bool{own.ID: true, other.ID: false, all.ID: false}},
		{2, map[int64]bool{own.ID: false, other.ID: true}},
		{0, map[int64]bool{own.ID: true, other.ID: true, all.ID: true}},
	} {
		es, err := s.Audit(ctx, notices.AuditFilter{CommuneID: c.commune, Action: "notice.create", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, e := range es {
			seen[e.NoticeID] = true
		}
		for id, want := range c.has {
			if seen[id] != want {
				t.Errorf("Audit of commune %d: notice %d created listed %v, want %v", c.commune, id, seen[id], want)
			}
		}
	}
}

// TestHamletWritesByID: with two communes' ap-1, the id-based writes change
// the one named, never the other commune's.
func TestHamletWritesByID(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	a, err := s.HamletInCommune(ctx, 1, "ap-1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.HamletInCommune(ctx, 2, "ap-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetHamletActiveID(ctx, "test", b.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStaffTestID(ctx, b.ID, true, "test"); err != nil {
		t.Fatal(err)
	}
	a, _ = s.HamletByID(ctx, a.ID)
	b, _ = s.HamletByID(ctx, b.ID)
	onA, _ := s.IsStaffTestID(ctx, a.ID)
	onB, _ := s.IsStaffTestID(ctx, b.ID)
	if !a.Active || b.Active || onA || !onB {
		t.Errorf("after changing Phú Hòa's ap-1: An Phú's active %v test %v; Phú Hòa's active %v test %v", a.Active, onA, b.Active, onB)
	}
	if err := s.SetStaffTestID(ctx, 9999, true, "test"); err != notices.ErrNotFound {
		t.Errorf("SetStaffTestID of no hamlet: %v", err)
	}
}
