package notices_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestNoticeDeliveriesByCommune: a notice's deliveries list the hamlets it
// targets by hamlet id, not by code across communes: a commune's notice
// names only its commune's ap-1, a province notice to xa-phu-hoa/ap-1 only
// Phú Hòa's, and one to a commune code that commune's hamlets (issue 14,
// probe5 F13).
func TestNoticeDeliveriesByCommune(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	phuHoa, err := s.CommuneByCode(ctx, "xa-phu-hoa")
	if err != nil {
		t.Fatal(err)
	}
	h2 := notices.Hamlet{Commune: "xa-phu-hoa", Code: "ap-2", Name: "Ấp 2", GroupID: "g-ph-ap-2"}
	if err := s.CreateHamlet(ctx, "test", &h2); err != nil {
		t.Fatal(err)
	}
	anPhu, err := s.CommuneByCode(ctx, "xa-an-phu")
	if err != nil {
		t.Fatal(err)
	}
	name := map[int64]string{anPhu.ID: "xa-an-phu", phuHoa.ID: "xa-phu-hoa"}
	mk := func(commune string, targets ...string) *notices.Notice {
		t.Helper()
		n := notices.Notice{Title: "t", Body: "b", Commune: commune, Targets: targets, Status: notices.StatusApproved,
			Source: notices.SourceCLI, Author: "cli"}
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return &n
	}
	listed := func(n *notices.Notice) []string {
		t.Helper()
		hds, err := s.NoticeDeliveries(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, hd := range hds {
			out = append(out, fmt.Sprintf("%s/%s:%s", name[hd.Hamlet.CommuneID], hd.Hamlet.Code, hd.State()))
		}
		sort.Strings(out)
		return out
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s lists %v, want %v", what, got, want)
		}
	}
	check("Phú Hòa's notice to ap-1", listed(mk("xa-phu-hoa", "ap-1")), "xa-phu-hoa/ap-1:")
	check("Phú Hòa's notice to all", listed(mk("xa-phu-hoa")), "xa-phu-hoa/ap-1:", "xa-phu-hoa/ap-2:")
	check("An Phú's notice to ap-2", listed(mk("xa-an-phu", "ap-2")), "xa-an-phu/ap-2:")
	check("province notice to xa-phu-hoa/ap-1", listed(mk(notices.Province, "xa-phu-hoa/ap-1")), "xa-phu-hoa/ap-1:")
	check("province notice to xa-an-phu", listed(mk(notices.Province, "xa-an-phu")), "xa-an-phu/ap-1:", "xa-an-phu/ap-2:")
	all := mk(notices.Province)
	check("province notice to all", listed(all), "xa-an-phu/ap-1:", "xa-an-phu/ap-2:", "xa-phu-hoa/ap-1:", "xa-phu-hoa/ap-2:")

	// Deliveries made to two of them: those carry their state, the others
	// still wait their turn, each listed once.
	ts, err := s.NoticeTargets(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	var some []notices.Target
	for _, tg := range ts {
		if tg.CommuneID == phuHoa.ID {
			some = append(some, tg)
		}
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: all.ID, DueAt: fixedNow, Status: notices.OccurrenceQueued,
		Parts: []string{"x"}, Targets: some}); err != nil {
		t.Fatal(err)
	}
	check("province notice to all, Phú Hòa's queued", listed(all),
		"xa-an-phu/ap-1:", "xa-an-phu/ap-2:", "xa-phu-hoa/ap-1:queued", "xa-phu-hoa/ap-2:queued")
}
