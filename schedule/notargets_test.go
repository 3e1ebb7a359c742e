package schedule_test

import (
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestNoticeToADisabledCommuneIsNotSent: a notice of xa-c approved before
// xa-c was turned off has no hamlet to go to when it falls due: it is
// closed as not sent with the reason, its run skipped, never «đã gửi
// xong» with nothing sent (probe5 F13). A recurring one is left live, its
// run skipped with the reason, for when the commune is back.
func TestNoticeToADisabledCommuneIsNotSent(t *testing.T) {
	p := newProvinceRig(t, "")
	once := p.notice(notices.Notice{Title: "Trước khi tắt", Commune: "xa-c", Targets: []string{"ap-1"}})
	weekly := p.notice(notices.Notice{Title: "Hằng tuần", Commune: "xa-c", Recurrence: "0 9 * * *"})
	if err := p.store.SetCommuneActive(p.ctx, "test", "xa-c", false); err != nil {
		t.Fatal(err)
	}
	p.step()
	p.step()
	n, err := p.store.Notice(p.ctx, once.ID)
	if err != nil {
		t.Fatal(err)
	}
	const why = "không có thôn/ấp nào đang hoạt động để gửi: xa c đang tắt"
	if n.Status == notices.StatusDone || n.Status != notices.StatusCancelled || !strings.Contains(n.Reason, why) {
		t.Errorf("notice to a disabled commune: status %s (%s), reason %q; want cancelled with %q",
			n.Status, notices.StatusText(n.Status, notices.Tally{}), n.Reason, why)
	}
	for _, id := range []int64{once.ID, weekly.ID} {
		os, err := p.store.Occurrences(p.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(os) == 0 || os[0].Status != notices.OccurrenceSkipped || !strings.Contains(os[0].Reason, why) {
			t.Errorf("notice %d's runs: %+v; want one skipped with %q", id, os, why)
		}
	}
	if w, err := p.store.Notice(p.ctx, weekly.ID); err != nil || w.Status != notices.StatusApproved {
		t.Errorf("the recurring notice: %v, %v; want it still approved", w.Status, err)
	}
	if got := p.sim.AllMessages(); len(got) != 0 {
		t.Errorf("%d messages sent; want none", len(got))
	}
}
