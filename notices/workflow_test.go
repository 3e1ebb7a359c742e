package notices_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

// TestEditRejectedAndResubmit: a rejected notice keeps its reason while it
// is edited as a draft, goes back to pending without it when submitted, and
// is never planned by the daemon as a draft.
func TestEditRejectedAndResubmit(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	n := &notices.Notice{Title: "Cắt điện", Body: "Sai giờ", Author: "lan", Source: notices.SourceWeb}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := s.RejectNotice(ctx, n.ID, "duyet", "Ghi rõ giờ cắt điện"); err != nil {
		t.Fatal(err)
	}
	ed := &notices.Notice{ID: n.ID, Title: "Cắt điện thứ Bảy", Body: "Từ 7 giờ đến 11 giờ.", Status: notices.StatusDraft,
		Targets: []string{"khom-2"}, Kind: notices.KindNotice, Source: notices.SourceWeb}
	if err := s.UpdateNotice(ctx, ed, "lan", true); err != nil {
		t.Fatalf("UpdateNotice(draft) = %v", err)
	}
	got, _ := s.Notice(ctx, n.ID)
	if got.Status != notices.StatusDraft || got.Reason != "Ghi rõ giờ cắt điện" || got.Title != "Cắt điện thứ Bảy" ||
		len(got.Targets) != 1 || got.Targets[0] != "khom-2" || got.Author != "lan" {
		t.Errorf("after saving as draft: %+v", got)
	}
	live, _ := s.LiveNotices(ctx)
	if len(live) != 0 {
		t.Errorf("LiveNotices() with a draft = %d notices; want none: a draft is never sent", len(live))
	}
	rej, err := s.LastRejection(ctx, n.ID)
	if err != nil || rej.Detail != "Ghi rõ giờ cắt điện" || rej.Actor != "duyet" {
		t.Errorf("LastRejection() = %+v, %v", rej, err)
	}
	if err := s.SubmitNotice(ctx, n.ID, "lan"); err != nil {
		t.Fatalf("SubmitNotice = %v", err)
	}
	got, _ = s.Notice(ctx, n.ID)
	if got.Status != notices.StatusPending || got.Reason != "" || got.Approver != "" {
		t.Errorf("after submit: status %s, reason %q, approver %q; want pending with neither", got.Status, got.Reason, got.Approver)
	}
	if err := s.ApproveNotice(ctx, n.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}
	ed.Status = notices.StatusPending
	err = s.UpdateNotice(ctx, ed, "lan", true)
	var fe notices.FieldErrors
	if !errors.As(err, &fe) || !fe.Has("status") {
		t.Errorf("UpdateNotice(approved) = %v; want a status refusal", err)
	}
	// A bad edit writes nothing.
	bad := &notices.Notice{ID: n.ID, Title: " ", Body: "x", Status: notices.StatusPending}
	if err := s.UpdateNotice(ctx, bad, "lan", true); err == nil {
		t.Error("UpdateNotice with an empty title = nil")
	}
	unknown := &notices.Notice{ID: n.ID, Title: "t", Body: "x", Status: notices.StatusPending, Targets: []string{"khom-9"}}
	if err := s.UpdateNotice(ctx, unknown, "lan", true); !errors.As(err, &fe) || !fe.Has("targets") && !fe.Has("status") {
		t.Errorf("UpdateNotice with an unknown hamlet = %v", err)
	}
}

// TestEditKeepsOrReplacesImage: keepImage keeps the stored image; a new one
// replaces it; neither removes it.
func TestEditKeepsOrReplacesImage(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	addHamlets(t, s, "Khóm 1")
	png := []byte("\x89PNG\r\n\x1a\n0000000000000000")
	n := &notices.Notice{Title: "Ảnh", Body: "b", Image: png, ImageType: "image/png", Status: notices.StatusDraft, Source: notices.SourceWeb}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	ed := &notices.Notice{ID: n.ID, Title: "Ảnh 2", Body: "b", Status: notices.StatusDraft}
	if err := s.UpdateNotice(ctx, ed, "lan", true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notice(ctx, n.ID); string(got.Image) != string(png) {
		t.Errorf("keepImage: image %q; want the stored one", got.Image)
	}
	if err := s.UpdateNotice(ctx, ed, "lan", false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notice(ctx, n.ID); got.Image != nil || got.ImageType != "" {
		t.Errorf("without keepImage: image %d bytes, %q; want none", len(got.Image), got.ImageType)
	}
}

// TestDuplicateNotice copies any notice into a new plain draft.
func TestDuplicateNotice(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	n := &notices.Notice{Title: "Họp dân", Body: "Tối thứ Sáu", Category: "họp dân", Priority: notices.Low,
		Targets: []string{"khom-1"}, Recurrence: "0 19 * * 5", Status: notices.StatusApproved, Author: "lan",
		Approver: "duyet", Source: notices.SourceWeb, ExpiresAt: fixedNow.Add(48 * time.Hour)}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	d, err := s.DuplicateNotice(ctx, n.ID, "minh")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Notice(ctx, d.ID)
	if got.ID == n.ID || got.Status != notices.StatusDraft || got.Title != n.Title || got.Body != n.Body ||
		got.Category != "hop-dan" || got.Priority != notices.Low || got.Recurrence != "0 19 * * 5" ||
		len(got.Targets) != 1 || got.Author != "minh" || got.Approver != "" || !got.ExpiresAt.IsZero() {
		t.Errorf("duplicate = %+v", got)
	}
	if _, err := s.DuplicateNotice(ctx, 999, "minh"); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("DuplicateNotice(999) = %v; want ErrNotFound", err)
	}
}

// TestPauseSkipsOccurrences: while paused, an occurrence is recorded as
// skipped (never sent later, also when the daemon makes it after the
// resume); queued deliveries are skipped at the pause; after the resume the
// next occurrence is queued. Each step is in the audit log.
func TestPauseSkipsOccurrences(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	hs := addHamlets(t, s, "Khóm 1")
	n := &notices.Notice{Title: "Thu gom rác", Body: "7 giờ", Recurrence: "0 7 * * *", Status: notices.StatusApproved,
		Author: "lan", Approver: "duyet", Source: notices.SourceWeb}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	one := func(t *testing.T, due time.Time) notices.OccurrencePlan {
		return notices.OccurrencePlan{NoticeID: n.ID, DueAt: due, LastDueAt: due, Status: notices.OccurrenceQueued,
			Parts: []string{"x"}, Priority: 1, Targets: []notices.Target{{HamletID: hs[0].ID, GroupID: hs[0].GroupID}},
			NotBefore: due.Add(time.Hour)}
	}
	if _, err := s.Materialise(ctx, one(t, now)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PauseNotice(ctx, 999, "lan"); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("PauseNotice(999) = %v", err)
	}
	now = now.Add(10 * time.Minute)
	skipped, err := s.PauseNotice(ctx, n.ID, "lan")
	if err != nil || skipped != 1 {
		t.Fatalf("PauseNotice = %d, %v; want the 1 queued delivery skipped", skipped, err)
	}
	if _, err := s.PauseNotice(ctx, n.ID, "lan"); err == nil {
		t.Error("PauseNotice twice = nil; want 'đang tạm dừng rồi'")
	}
	p, _ := s.NoticePause(ctx, n.ID)
	if !p.Paused() || p.By != "lan" {
		t.Errorf("NoticePause = %+v", p)
	}
	day2 := fixedNow.Add(24 * time.Hour)
	now = day2.Add(time.Minute)
	if _, err := s.Materialise(ctx, one(t, day2)); err != nil {
		t.Fatal(err)
	}
	now = day2.Add(2 * time.Hour)
	if err := s.ResumeNotice(ctx, n.ID, "duyet"); err != nil {
		t.Fatal(err)
	}
	if err := s.ResumeNotice(ctx, n.ID, "duyet"); err == nil {
		t.Error("ResumeNotice twice = nil")
	}
	// An occurrence that fell due while paused, made only now (the daemon was down): skipped too.
	mid := day2.Add(time.Hour)
	if _, err := s.Materialise(ctx, one(t, mid)); err != nil {
		t.Fatal(err)
	}
	day3 := fixedNow.Add(48 * time.Hour)
	now = day3
	if _, err := s.Materialise(ctx, one(t, day3)); err != nil {
		t.Fatal(err)
	}
	occ, err := s.Occurrences(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{notices.OccurrenceQueued, notices.OccurrenceSkipped, notices.OccurrenceSkipped, notices.OccurrenceQueued}
	if len(occ) != len(want) {
		t.Fatalf("occurrences = %+v; want %v", occ, want)
	}
	for i, o := range occ {
		if o.Status != want[i] || o.Status == notices.OccurrenceSkipped && o.Reason != notices.PausedReason {
			t.Errorf("occurrence %d (%s) = %s %q; want %s", i, o.DueAt, o.Status, o.Reason, want[i])
		}
	}
	hd, _ := s.NoticeDeliveries(ctx, n.ID)
	queued := 0
	for _, h := range hd {
		queued += h.Count[notices.DeliveryQueued]
	}
	if queued != 1 {
		t.Errorf("queued deliveries = %d; want only day 3's", queued)
	}
	es, _ := s.Audit(ctx, notices.AuditFilter{NoticeID: n.ID, Action: "notice."})
	var acts []string
	for _, e := range es {
		acts = append(acts, e.Action)
	}
	if !containsAll(acts, "notice.pause", "notice.resume") {
		t.Errorf("audit = %v; want pause and resume", acts)
	}
	// A one-off cannot be paused.
	o := &notices.Notice{Title: "Một lần", Body: "b", Status: notices.StatusApproved, Source: notices.SourceWeb}
	if err := s.CreateNotice(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PauseNotice(ctx, o.ID, "lan"); err == nil {
		t.Error("PauseNotice(one-off) = nil")
	}
}

func containsAll(ss []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, s := range ss {
			found = found || s == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestTemplates: four are seeded in Vietnamese; an admin adds, edits and
// deletes; bad ones are refused with nothing written.
func TestTemplates(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	ts, err := s.Templates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range ts {
		names = append(names, x.Name)
	}
	if !containsAll(names, "Cắt điện", "Họp dân", "Tiêm chủng", "Thu gom rác") || len(ts) != 4 {
		t.Errorf("seeded templates = %v", names)
	}
	x := &notices.Template{Name: "  Phòng chống bão ", Title: "Bão số …", Body: "Bà con chằng chống nhà cửa.", Priority: notices.Urgent}
	if err := s.SaveTemplate(ctx, x, "admin"); err != nil || x.ID == 0 || x.Name != "Phòng chống bão" || x.Category != "chung" {
		t.Fatalf("SaveTemplate = %v, %+v", err, x)
	}
	dup := &notices.Template{Name: "Cắt điện", Title: "t", Body: "b"}
	var fe notices.FieldErrors
	if err := s.SaveTemplate(ctx, dup, "admin"); !errors.As(err, &fe) || !fe.Has("name") {
		t.Errorf("SaveTemplate(same name) = %v", err)
	}
	if err := s.SaveTemplate(ctx, &notices.Template{Name: "", Title: "", Body: "b", Priority: "x"}, "admin"); !errors.As(err, &fe) ||
		!fe.Has("name") || !fe.Has("title") || !fe.Has("priority") {
		t.Errorf("SaveTemplate(empty) = %v; want name, title and priority", err)
	}
	x.Body = "Sửa lại"
	if err := s.SaveTemplate(ctx, x, "admin"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TemplateByID(ctx, x.ID); got.Body != "Sửa lại" {
		t.Errorf("after edit: %+v", got)
	}
	if err := s.DeleteTemplate(ctx, x.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TemplateByID(ctx, x.ID); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("deleted template: %v", err)
	}
	if ts, _ := s.Templates(ctx); len(ts) != 4 {
		t.Errorf("templates after add and delete = %d; want 4", len(ts))
	}
}

// TestStaffTestAndTestSendWait: a hamlet marked as the staff test group is
// listed, active or not; test sends of one notice are one a minute, and are
// no deliveries.
func TestStaffTestAndTestSendWait(t *testing.T) {
	ctx := context.Background()
	now := fixedNow
	s := openStoreClock(t, func() time.Time { return now })
	hs := addHamlets(t, s, "Khóm 1", "Nhóm cán bộ")
	if err := s.SetStaffTest(ctx, "nhom-can-bo", true, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHamletActive(ctx, "admin", "nhom-can-bo", false); err != nil {
		t.Fatal(err)
	}
	th, err := s.StaffTestHamlets(ctx)
	if err != nil || len(th) != 1 || th[0].Code != "nhom-can-bo" {
		t.Fatalf("StaffTestHamlets = %+v, %v", th, err)
	}
	if ok, _ := s.IsStaffTest(ctx, "khom-1"); ok {
		t.Error("IsStaffTest(khom-1) = true")
	}
	n := &notices.Notice{Title: "Thử", Body: "b", Source: notices.SourceWeb}
	if err := s.CreateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	if wait, err := s.BeginTestSend(ctx, n.ID, hs[1].ID, "lan", "x"); err != nil || wait != 0 {
		t.Fatalf("first BeginTestSend = %v, %v", wait, err)
	}
	now = now.Add(20 * time.Second)
	if wait, err := s.BeginTestSend(ctx, n.ID, hs[1].ID, "lan", "x"); err != nil || wait != 40*time.Second {
		t.Errorf("second BeginTestSend 20 s later = %v, %v; want 40s to wait", wait, err)
	}
	now = now.Add(41 * time.Second)
	if wait, err := s.BeginTestSend(ctx, n.ID, hs[1].ID, "lan", "x"); err != nil || wait != 0 {
		t.Errorf("BeginTestSend a minute later = %v, %v", wait, err)
	}
	if err := s.RecordTestResult(ctx, n.ID, hs[1].ID, "lan", "đã gửi"); err != nil {
		t.Fatal(err)
	}
	if hd, _ := s.NoticeDeliveries(ctx, n.ID); len(hd) != 0 {
		for _, h := range hd {
			if len(h.Count) > 0 {
				t.Errorf("a test send made deliveries: %+v", hd)
			}
		}
	}
}

// TestUpgradeV1To14: the v1 database gains the templates, the staff test
// flag and the pauses.
func TestUpgradeV1To14(t *testing.T) {
	ctx := context.Background()
	b, err := os.ReadFile(v1DB)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "loaxa.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := notices.Open(ctx, path, notices.Options{Location: hcm, PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ts, err := s.Templates(ctx); err != nil || len(ts) != 4 {
		t.Errorf("Templates after the upgrade = %d, %v", len(ts), err)
	}
	if th, err := s.StaffTestHamlets(ctx); err != nil || len(th) != 0 {
		t.Errorf("StaffTestHamlets after the upgrade = %v, %v; want none", th, err)
	}
	if err := s.SetStaffTest(ctx, "thon-cu", true, "admin"); err != nil {
		t.Error(err)
	}
	if p, err := s.NoticePause(ctx, 2); err != nil || p.Paused() {
		t.Errorf("NoticePause(2) = %+v, %v", p, err)
	}
	// The v1 draft stays a draft and is not planned.
	if n, err := s.Notice(ctx, 3); err != nil || n.Status != notices.StatusDraft || !n.Editable() {
		t.Errorf("Notice(3) = %+v, %v", n, err)
	}
}

func TestDescribeRecurrence(t *testing.T) {
	for spec, want := range map[string]string{
		"0 7 * * 1":     "Thứ Hai hằng tuần, 07:00",
		"30 6,17 * * *": "Hằng ngày, 06:30 và 17:30",
		"0 7 * * 1,3,5": "Thứ Hai, Thứ Tư và Thứ Sáu hằng tuần, 07:00",
		"0 7 * * 1-5":   "Từ Thứ Hai đến Thứ Sáu hằng tuần, 07:00",
		"0 8 * * 0":     "Chủ nhật hằng tuần, 08:00",
		"0 8 * * 7":     "Chủ nhật hằng tuần, 08:00",
		"15 8 5 * *":    "Ngày 5 hằng tháng, 08:15",
		"0 0 1 1 *":     "Ngày 1/1 hằng năm, 00:00",
		"@daily":        "Hằng ngày, 00:00",
		"@weekly":       "Chủ nhật hằng tuần, 00:00",
		"@monthly":      "Ngày 1 hằng tháng, 00:00",
		"@hourly":       "Mỗi giờ, vào phút 00",
		"*/15 * * * *":  "Mỗi 15 phút",
		"*/5 * * * *":   "Mỗi 5 phút",
		"*/7 * * * *":   "",
		"30 */6 * * *":  "Mỗi 6 giờ, vào phút 30",
		"0 */5 * * *":   "",
		"0 7-9 * * *":   "",
		"0 7 1 * 1":     "",
		"0 7 * 1-3 *":   "",
		"0 7 * * MON":   "",
		"nonsense":      "",
	} {
		if got := notices.DescribeRecurrence(spec); got != want {
			t.Errorf("DescribeRecurrence(%q) = %q; want %q", spec, got, want)
		}
	}
}
