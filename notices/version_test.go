package notices_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestVersionRefusesStaleWrites: within the same second as another save, an
// edit or an approval of the version read before it is refused, names who
// saved, and writes nothing.
func TestVersionRefusesStaleWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t) // a fixed clock: every write in the same second
	addHamlets(t, s, "Khóm 1")
	n := notices.Notice{Title: "Họp", Body: "Tối nay", Source: notices.SourceWeb, Author: "tacgia"}
	if err := s.CreateNotice(ctx, &n); err != nil {
		t.Fatal(err)
	}
	read, _ := s.Notice(ctx, n.ID)
	old := read.Version()
	first := *read
	first.Title, first.Status = "Họp lúc 19 giờ", notices.StatusPending
	if err := s.UpdateNoticeVersion(ctx, &first, "tacgia", true, old); err != nil {
		t.Fatalf("first save: %v", err)
	}
	second := *read
	second.Title, second.Status = "Họp lúc 20 giờ", notices.StatusPending
	err := s.UpdateNoticeVersion(ctx, &second, "bien", true, old)
	var fe notices.FieldErrors
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "vừa được tacgia sửa lúc") {
		t.Errorf("stale save = %v; want refused naming tacgia", err)
	}
	if err := s.ApproveNoticeVersion(ctx, n.ID, "duyet", false, old); err == nil || !strings.Contains(err.Error(), "vừa được tacgia sửa lúc") {
		t.Errorf("approval of the stale version = %v; want refused", err)
	}
	got, _ := s.Notice(ctx, n.ID)
	if got.Title != "Họp lúc 19 giờ" || got.Status != notices.StatusPending {
		t.Errorf("after the refusals: %q %s", got.Title, got.Status)
	}
	if err := s.ApproveNoticeVersion(ctx, n.ID, "duyet", false, got.Version()); err != nil {
		t.Errorf("approval of the current version: %v", err)
	}
}
