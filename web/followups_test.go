package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// A notice withdrawn (or corrected) after one hamlet failed offers no
// «Gửi lại» on its page nor on the dashboard, is not listed under «Cần
// người xử lý», and a crafted retry POST is refused with the reason.
func TestWithdrawnNoticeOffersNoRetry(t *testing.T) {
	for _, kind := range []notices.Kind{notices.KindCancel, notices.KindUpdate} {
		t.Run(string(kind), func(t *testing.T) {
			s := newSite(t)
			ctx := context.Background()
			n := s.notice(notices.Notice{Title: "Họp tổ dân phố", Author: "tacgia", Status: notices.StatusApproved})
			s.materialise(n.ID, s.clock.Now())
			jobs, err := s.store.ClaimJobs(ctx, s.clock.Now(), 10, 2)
			if err != nil || len(jobs) != 2 {
				t.Fatalf("claim = %d jobs, %v", len(jobs), err)
			}
			if err := s.store.Record(ctx, []notices.Result{ // -237: fixed by renewing, so retried
				{ID: jobs[0].ID, Status: notices.DeliverySent, MessageID: "m1", At: s.clock.Now()},
				{ID: jobs[1].ID, Status: notices.DeliveryFailed, At: s.clock.Now(), Code: -237, Error: "Nhóm đã bị tắt"},
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.store.CloseFinished(ctx); err != nil {
				t.Fatal(err)
			}
			id := strconv.FormatInt(n.ID, 10)
			retry := `action="/notices/` + id + `/retry"`
			b := s.signedIn("bien")
			if _, body := b.get("/notices/" + id); !strings.Contains(body, retry) {
				t.Fatalf("before the follow-up the failed hamlet has no retry button")
			}
			s.notice(notices.Notice{Title: "Thay đổi", Author: "tacgia", Status: notices.StatusApproved,
				Kind: kind, RefersTo: n.ID})
			_, body := b.get("/notices/" + id)
			if strings.Contains(body, retry) {
				t.Errorf("the %s notice's page still offers «Gửi lại»", kind)
			}
			if !strings.Contains(body, "nên không gửi lại được") && !strings.Contains(body, "gửi lại bản cũ sẽ đưa nội dung") {
				t.Errorf("the page does not say why there is no retry")
			}
			_, body = b.get("/dashboard")
			if strings.Contains(body, retry) {
				t.Errorf("the dashboard still offers «Gửi lại» for the %s notice", kind)
			}
			if i, j := strings.Index(body, "Cần người xử lý"), strings.Index(body, "Đã hẹn giờ"); i >= 0 && j > i &&
				strings.Contains(body[i:j], "Họp tổ dân phố") {
				t.Errorf("the %s notice is still listed under «Cần người xử lý»", kind)
			}
			_, body = b.get("/notices/" + id + "/progress.json")
			if !strings.Contains(body, `"state":"failed"`) || !strings.Contains(body, `"no_retry":true`) {
				t.Errorf("progress JSON offers a retry: %s", body)
			}
			b.post("/notices/"+id+"/retry", url.Values{})
			hds, err := s.store.NoticeDeliveries(ctx, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hds {
				if h.State() == notices.DeliveryRetry || h.State() == notices.DeliveryQueued {
					t.Errorf("a crafted retry POST made %s due again", h.Hamlet.Code)
				}
			}
		})
	}
}

// A withdrawal goes only to the hamlets its original reached. Its approval
// page and its own page say so by name, and a hamlet the original never
// reached is named as owed nothing, never as «chưa đến lượt».
func TestWithdrawalNamesOnlyTheHamletsReached(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	n := s.notice(notices.Notice{Title: "Họp tổ dân phố", Author: "tacgia", Status: notices.StatusApproved})
	s.send(n.ID, notices.DeliverySent, notices.DeliveryFailed) // Khóm 1 got it, Khóm 2 did not
	w := s.notice(notices.Notice{Title: "Hủy họp", Author: "tacgia", Status: notices.StatusPending,
		Kind: notices.KindCancel, RefersTo: n.ID})
	wid := strconv.FormatInt(w.ID, 10)
	reached := "các thôn/ấp đã nhận thông báo gốc số " + strconv.FormatInt(n.ID, 10) + ": Khóm 1"

	d := s.signedIn("duyet")
	_, body := d.get("/notices/" + wid + "/approve")
	if !strings.Contains(body, reached) || strings.Contains(body, "tất cả thôn/ấp") {
		t.Errorf("the withdrawal's approval page does not say it goes to Khóm 1 only:\n%s", body)
	}
	if err := s.store.ApproveNotice(ctx, w.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}
	hs, err := s.store.Hamlets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := s.clock.Now()
	if _, err := s.store.Materialise(ctx, notices.OccurrencePlan{NoticeID: w.ID, DueAt: now, LastDueAt: now,
		Status: notices.OccurrenceQueued, Parts: []string{"hủy"}, Priority: 1, Withdraws: n.ID,
		Targets: []notices.Target{{HamletID: hs[0].ID, GroupID: hs[0].GroupID}}}); err != nil {
		t.Fatal(err)
	}
	_, body = d.get("/notices/" + wid)
	if !strings.Contains(body, reached) {
		t.Errorf("the withdrawal's page does not name where it goes")
	}
	if un, err := s.store.WithdrawalUnreached(ctx, w); err != nil || len(un) != 1 {
		t.Errorf("WithdrawalUnreached = %v, %v; want Khóm 2", un, err)
	}
	if !strings.Contains(body, "Khóm 2: chưa nhận thông báo gốc") {
		t.Errorf("the withdrawal's page does not say Khóm 2 is owed nothing")
	}
	if strings.Contains(body, "chưa đến lượt") {
		t.Errorf("the withdrawal's page still shows a hamlet as «chưa đến lượt»")
	}
	hds, err := s.store.NoticeDeliveries(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hds) != 1 || hds[0].Hamlet.Code != "khom-1" {
		t.Errorf("the withdrawal's deliveries list %d hamlets, want Khóm 1 alone", len(hds))
	}
}
