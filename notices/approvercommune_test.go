package notices_test

import (
	"context"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// A commune's approver decides on that commune's notices only: not on
// another commune's, nor on a province notice. A province approver decides
// on any. The store refuses, so the CLI's --as and the site agree.
func TestApproverDecidesInOwnCommuneOnly(t *testing.T) {
	s, _ := openProvince(t)
	ctx := context.Background()
	for _, u := range []notices.User{
		{Username: "anphu.duyet", Role: notices.RoleApprover, Commune: "xa-an-phu"},
		{Username: "tinh.duyet", Role: notices.RoleApprover, Commune: notices.Province},
	} {
		if err := s.CreateUser(ctx, "test", &u, "con mèo vàng trèo cây cau"); err != nil {
			t.Fatal(err)
		}
	}
	notice := func(commune string) int64 {
		n := notices.Notice{Title: "Họp", Body: "Nội dung", Author: "bien", Status: notices.StatusPending,
			Source: notices.SourceCLI, Commune: commune}
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n.ID
	}
	prov, phuHoa, anPhu := notice(notices.Province), notice("xa-phu-hoa"), notice("xa-an-phu")
	for _, id := range []int64{prov, phuHoa} {
		err := s.ApproveNotice(ctx, id, "anphu.duyet", false)
		if err == nil || !strings.Contains(err.Error(), "thuộc UBND xã An Phú nên không duyệt được") {
			t.Errorf("An Phú's approver approved notice %d: %v", id, err)
		}
		if err := s.RejectNotice(ctx, id, "anphu.duyet", "không hợp lệ"); err == nil {
			t.Errorf("An Phú's approver rejected notice %d", id)
		}
		n, err := s.Notice(ctx, id)
		if err != nil || n.Status != notices.StatusPending {
			t.Errorf("notice %d after refused decisions: %v, %v", id, n.Status, err)
		}
	}
	if err := s.ApproveNotice(ctx, anPhu, "anphu.duyet", false); err != nil {
		t.Errorf("An Phú's approver on An Phú's notice: %v", err)
	}
	for _, id := range []int64{prov, phuHoa} {
		if err := s.ApproveNotice(ctx, id, "tinh.duyet", false); err != nil {
			t.Errorf("the province approver on notice %d: %v", id, err)
		}
	}
}
