package notices_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestNothingMoreAfterAWithdrawal: once a notice's withdrawal is approved,
// no correction and no second withdrawal of it is written, nor approved if
// it was written before (found by the outside tester: a correction of a
// withdrawn notice reached the hamlet that never got the original). And a
// correction or withdrawal is sent once: it has no recurrence (the CLI
// took one).
func TestNothingMoreAfterAWithdrawal(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	db := rawDB(t, path)
	orig := notices.Notice{Title: "Họp", Body: "Tối nay", Source: notices.SourceCLI, Status: notices.StatusApproved, Author: "cli"}
	if err := s.CreateNotice(ctx, &orig); err != nil {
		t.Fatal(err)
	}
	markSent(t, db, orig.ID)
	refused := func(err error, field, want string) {
		t.Helper()
		var fe notices.FieldErrors
		if !errors.As(err, &fe) || !fe.Has(field) || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v; want a %s FieldError saying %q", err, field, want)
		}
	}
	follow := func(kind notices.Kind, title string) *notices.Notice {
		return &notices.Notice{Title: title, Body: "x", Source: notices.SourceWeb, Kind: kind, RefersTo: orig.ID, Author: "bien"}
	}

	recurring := follow(notices.KindUpdate, "Đổi giờ mỗi 5 phút")
	recurring.Recurrence = "*/5 * * * *"
	refused(s.CreateNotice(ctx, recurring), "recurrence", "chỉ gửi một lần")

	late := follow(notices.KindUpdate, "Đổi giờ") // written before the withdrawal, approved after
	if err := s.CreateNotice(ctx, late); err != nil {
		t.Fatal(err)
	}
	second := follow(notices.KindCancel, "Hủy lần hai")
	if err := s.CreateNotice(ctx, second); err != nil {
		t.Fatal(err)
	}
	cancel := follow(notices.KindCancel, "Hủy họp")
	if err := s.CreateNotice(ctx, cancel); err != nil {
		t.Fatal(err)
	}
	if err := s.ApproveNotice(ctx, cancel.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}

	for _, kind := range []notices.Kind{notices.KindUpdate, notices.KindCancel} {
		refused(s.CreateNotice(ctx, follow(kind, "Thêm nữa")), "refers_to", "đã bị hủy bằng thông báo số")
		if msg, err := s.CanReferTo(ctx, orig.ID, kind); err != nil || !strings.Contains(msg, "đã bị hủy") {
			t.Errorf("CanReferTo(withdrawn, %s) = %q, %v; want a refusal (the page offers no follow-up)", kind, msg, err)
		}
	}
	for _, n := range []*notices.Notice{late, second} {
		refused(s.ApproveNotice(ctx, n.ID, "duyet", false), "refers_to", "đã bị hủy bằng thông báo số")
		if got, _ := s.Notice(ctx, n.ID); got.Status != notices.StatusPending {
			t.Errorf("follow-up %d after the withdrawal: %s; want still pending", n.ID, got.Status)
		}
	}
}
