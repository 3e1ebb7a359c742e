package notices_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestFollowUpGoesWhereTheOriginalWent: the store pins a correction's
// targets to its original's and refuses another list, on create and on
// edit; a follow-up of a follow-up is refused; another program's INSERT is
// held to the same rules by the 0015 triggers.
func TestFollowUpGoesWhereTheOriginalWent(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2", "Khóm 3")
	db := rawDB(t, path)
	orig := notices.Notice{Title: "Họp", Body: "Tối nay", Source: notices.SourceCLI, Status: notices.StatusApproved,
		Author: "cli", Targets: []string{"khom-1", "khom-2"}}
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
	bad := notices.Notice{Title: "Đổi giờ", Body: "x", Source: notices.SourceWeb, Kind: notices.KindUpdate,
		RefersTo: orig.ID, Targets: []string{"khom-3"}, Author: "bien"}
	refused(s.CreateNotice(ctx, &bad), "targets", "phải đi tới đúng nơi thông báo gốc")
	same := notices.Notice{Title: "Đổi giờ", Body: "x", Source: notices.SourceWeb, Kind: notices.KindUpdate,
		RefersTo: orig.ID, Targets: []string{"khom-2", "khom-1"}, Author: "bien"}
	if err := s.CreateNotice(ctx, &same); err != nil {
		t.Fatalf("correction to the original's own hamlets, in another order: %v", err)
	}
	none := notices.Notice{Title: "Hủy họp", Body: "x", Source: notices.SourceWeb, Kind: notices.KindCancel,
		RefersTo: orig.ID, Author: "bien"}
	if err := s.CreateNotice(ctx, &none); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notice(ctx, none.ID); strings.Join(got.Targets, ",") != "khom-1,khom-2" {
		t.Errorf("withdrawal targets = %v; want the original's", got.Targets)
	}
	// An edit of the pending correction cannot move it either.
	edit, _ := s.Notice(ctx, same.ID)
	edit.Targets, edit.Status = []string{"khom-3"}, notices.StatusPending
	refused(s.UpdateNotice(ctx, edit, "bien", true), "targets", "phải đi tới đúng nơi thông báo gốc")
	if got, _ := s.Notice(ctx, same.ID); strings.Join(got.Targets, ",") != "khom-1,khom-2" {
		t.Errorf("after the refused edit, targets = %v", got.Targets)
	}

	// A withdrawal of the (sent) withdrawal.
	if err := s.ApproveNotice(ctx, none.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}
	markSent(t, db, none.ID)
	again := notices.Notice{Title: "Hủy việc hủy", Body: "x", Source: notices.SourceWeb, Kind: notices.KindCancel,
		RefersTo: none.ID, Author: "bien"}
	refused(s.CreateNotice(ctx, &again), "refers_to", "hãy đính chính hoặc hủy chính thông báo gốc số")
	if msg, err := s.CanReferTo(ctx, none.ID, notices.KindUpdate); err != nil || msg == "" {
		t.Errorf("CanReferTo(the withdrawal) = %q, %v; want a refusal", msg, err)
	}

	// Other programs.
	for q, want := range map[string]string{
		`INSERT INTO notices (title, body, status, kind, refers_to, targets) VALUES ('x', 'y', 'pending', 'cancel', ?, 'khom-3')`: "must be 'all' or the original's targets",
		`INSERT INTO notices (title, body, status, kind, refers_to) VALUES ('x', 'y', 'pending', 'cancel', ?)`:                    "names a correction or withdrawal",
	} {
		ref := orig.ID
		if strings.Contains(want, "names a") {
			ref = none.ID
		}
		if _, err := db.Exec(q, ref); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want refused with %q", q, err, want)
		}
	}
	if _, err := db.Exec(`INSERT INTO notices (title, body, status, kind, refers_to, targets) VALUES ('x', 'y', 'pending', 'update', ?, 'khom-1,khom-2')`, orig.ID); err != nil {
		t.Errorf("an INSERT with the original's targets: %v", err)
	}
}
