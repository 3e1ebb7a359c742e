package notices_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestCreateNoticeRefusals: each refusal names the field, says what to do,
// and writes nothing.
func TestCreateNoticeRefusals(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	tests := []struct {
		name  string
		n     notices.Notice
		field string
		msg   string
	}{
		{"empty title", notices.Notice{Title: "  ", Body: "b"}, "title",
			"Tiêu đề không được để trống; hãy nhập tiêu đề."},
		{"long title", notices.Notice{Title: strings.Repeat("á", 201), Body: "b"}, "title",
			"Tiêu đề dài 201 ký tự, quá giới hạn 200; hãy rút gọn."},
		{"long body", notices.Notice{Title: "t", Body: strings.Repeat("x", 20001)}, "body",
			"Nội dung dài 20001 ký tự, quá giới hạn 20000; hãy rút gọn hoặc chia thành nhiều thông báo."},
		{"unknown priority", notices.Notice{Title: "t", Priority: "high"}, "priority",
			`Mức ưu tiên "high" không có; hãy chọn urgent (khẩn), normal (thường) hoặc low (bản tin).`},
		{"unknown kind", notices.Notice{Title: "t", Kind: "fix"}, "kind",
			`Loại thông báo "fix" không có; hãy chọn notice, update hoặc cancel.`},
		{"unknown hamlet", notices.Notice{Title: "t", Targets: []string{"khom-1", "khom-9"}}, "targets",
			`Không có thôn/ấp nào mang mã "khom-9"; hãy chọn mã trong danh sách thôn/ấp.`},
		{"invalid cron", notices.Notice{Title: "t", Recurrence: "0 25 * * *"}, "recurrence",
			`Lịch lặp "0 25 * * *" không hợp lệ; hãy dùng lịch cron 5 trường "phút giờ ngày tháng thứ" như "0 7 * * 1" (7:00 sáng thứ Hai) hoặc @daily, @weekly, @monthly`},
		{"expiry before publish", notices.Notice{Title: "t", PublishAt: utc(2026, 12, 1, 1, 0), ExpiresAt: utc(2026, 11, 30, 1, 0)}, "expires_at",
			"Hạn hết hiệu lực (30/11/2026 08:00) phải sau thời điểm đăng (01/12/2026 08:00); hãy lùi hạn lại hoặc đăng sớm hơn."},
		{"expiry past", notices.Notice{Title: "t", ExpiresAt: utc(2026, 11, 26, 1, 0)}, "expires_at",
			"Hạn hết hiệu lực (26/11/2026 08:00) đã qua; hãy chọn một thời điểm trong tương lai."},
		{"update without refers_to", notices.Notice{Title: "t", Kind: notices.KindUpdate}, "refers_to",
			"Thông báo cập nhật hoặc hủy phải ghi số của thông báo gốc; hãy nhập số thông báo cần sửa hoặc hủy."},
		{"cancel of nothing", notices.Notice{Title: "t", Kind: notices.KindCancel, RefersTo: 99}, "refers_to",
			"Không có thông báo số 99; hãy kiểm tra số thông báo gốc."},
		{"image not an image", notices.Notice{Title: "t", Image: []byte("GIF89a......")}, "image",
			"Tệp ảnh không phải JPEG hoặc PNG; hãy chọn ảnh .jpg hoặc .png."},
		{"image too big", notices.Notice{Title: "t", Image: append(png, make([]byte, 1<<20)...)}, "image",
			"Ảnh nặng 1,0 MB, quá giới hạn 1 MB; hãy thu nhỏ ảnh."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openStore(t)
			addHamlets(t, s, "Khóm 1")
			before := counts(t, rawDB(t, path))
			n := tt.n
			n.Source = notices.SourceCLI
			err := s.CreateNotice(context.Background(), &n)
			var fe notices.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("CreateNotice = %v; want FieldErrors", err)
			}
			want := notices.FieldErrors{{Field: tt.field, Msg: tt.msg}}
			if !reflect.DeepEqual(fe, want) {
				t.Errorf("CreateNotice errors = %q; want %q", fe, want)
			}
			if after := counts(t, rawDB(t, path)); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after refusal = %v; want unchanged %v", after, before)
			}
		})
	}
}

func TestCreateNotice(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	nfd := "Ho\u0323p tho\u0302n" // "Họp thôn", decomposed
	n := notices.Notice{Title: nfd, Body: "Tối nay 19h\r\ntại nhà văn hóa", Targets: []string{"KHOM-1", " khom-2 ", "khom-1"},
		PublishAt: utc(2026, 11, 28, 1, 0), Recurrence: "0 7 * * 1", Source: notices.SourceCLI, Author: "lan"}
	if err := s.CreateNotice(ctx, &n); err != nil {
		t.Fatal(err)
	}
	got, err := s.Notice(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Họp thôn" || got.Body != "Tối nay 19h\ntại nhà văn hóa" {
		t.Errorf("stored title, body = %q, %q; want NFC text with \\n line ends", got.Title, got.Body)
	}
	if !reflect.DeepEqual(got.Targets, []string{"khom-1", "khom-2"}) || got.Status != notices.StatusPending ||
		got.Priority != notices.Normal || got.Category != "chung" || got.Kind != notices.KindNotice ||
		!got.PublishAt.Equal(utc(2026, 11, 28, 1, 0)) || got.Recurrence != "0 7 * * 1" || !got.CreatedAt.Equal(fixedNow) {
		t.Errorf("stored notice = %+v", got)
	}

	// The author may not approve their own notice unless allowed.
	err = s.ApproveNotice(ctx, n.ID, "LAN", false)
	if fe := (notices.FieldErrors{}); !errors.As(err, &fe) || fe[0].Field != "approver" {
		t.Fatalf("self-approval = %v; want an approver FieldError", err)
	}
	if err := s.ApproveNotice(ctx, n.ID, "lan", true); err != nil {
		t.Fatalf("self-approval allowed: %v", err)
	}
	if err := s.ApproveNotice(ctx, n.ID, "hoa", false); err == nil {
		t.Error("approving an approved notice succeeded")
	}
	got, _ = s.Notice(ctx, n.ID)
	if got.Status != notices.StatusApproved || got.Approver != "lan" || !got.ApprovedAt.Equal(fixedNow) {
		t.Errorf("after approve: %s %q %v", got.Status, got.Approver, got.ApprovedAt)
	}

	// An update with no targets goes to the original's hamlets (once the
	// original has gone out).
	markSent(t, rawDB(t, path), n.ID)
	up := notices.Notice{Title: "Đổi giờ họp", Kind: notices.KindUpdate, RefersTo: n.ID, Source: notices.SourceWeb}
	if err := s.CreateNotice(ctx, &up); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(up.Targets, []string{"khom-1", "khom-2"}) {
		t.Errorf("update targets = %v; want the original's", up.Targets)
	}

	list, err := s.Notices(ctx, notices.NoticeFilter{Status: notices.StatusApproved})
	if err != nil || len(list) != 1 || list[0].ID != n.ID {
		t.Errorf("Notices(approved) = %v, %v; want notice %d", list, err, n.ID)
	}
	list, _ = s.Notices(ctx, notices.NoticeFilter{Text: "giờ"})
	if len(list) != 1 || list[0].ID != up.ID {
		t.Errorf("Notices(text giờ) = %v; want notice %d", list, up.ID)
	}
	list, _ = s.Notices(ctx, notices.NoticeFilter{Hamlet: "khom-2", Limit: 1})
	if len(list) != 1 || list[0].ID != up.ID {
		t.Errorf("Notices(hamlet khom-2, limit 1) = %v; want the newest", list)
	}
	audit, _ := s.Audit(ctx, notices.AuditFilter{NoticeID: n.ID})
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Actor+" "+e.Action)
	}
	if want := []string{"lan notice.approve", "lan notice.create"}; !reflect.DeepEqual(actions, want) {
		t.Errorf("audit of notice = %v; want %v", actions, want)
	}
}

func TestEditorCannotApprove(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	addHamlets(t, s, "Khóm 1")
	if err := s.CreateUser(ctx, "admin", &notices.User{Username: "binh", Role: notices.RoleEditor}, "mưa chiều nay to"); err != nil {
		t.Fatal(err)
	}
	n := notices.Notice{Title: "t", Source: notices.SourceWeb, Author: "lan"}
	if err := s.CreateNotice(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if err := s.ApproveNotice(ctx, n.ID, "binh", false); err == nil {
		t.Error("an editor approved a notice")
	}
	if err := s.RejectNotice(ctx, n.ID, "hoa", ""); err == nil {
		t.Error("rejecting without a reason succeeded")
	}
	if err := s.RejectNotice(ctx, n.ID, "hoa", "Sai ngày họp"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Notice(ctx, n.ID)
	if got.Status != notices.StatusRejected || got.Reason != "Sai ngày họp" {
		t.Errorf("after reject: %s %q", got.Status, got.Reason)
	}
}

// TestCancelAndRetry works on deliveries written as the daemon would.
func TestCancelAndRetry(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	hs := addHamlets(t, s, "Khóm 1", "Khóm 2", "Khóm 3")
	n := notices.Notice{Title: "Cắt điện", Source: notices.SourceCLI, Status: notices.StatusApproved, Author: "cli"}
	if err := s.CreateNotice(ctx, &n); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	mustExec(t, db, `INSERT INTO occurrences (id, notice_id, due_at) VALUES (1, ?, '2026-11-27 01:00:00')`, n.ID)
	for i, st := range []string{"sent", "failed", "queued"} {
		mustExec(t, db, `INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id, body, status, due_at,
			next_attempt_at, error, error_code, sent_at) VALUES (?, 1, ?, ?, 'x', ?, '2026-11-27 01:00:00', '2026-11-27 01:00:00', ?, ?, ?)`,
			n.ID, hs[i].ID, hs[i].GroupID, st, map[bool]string{true: "OA không ở trong nhóm"}[st == "failed"],
			map[bool]any{true: -403}[st == "failed"], map[bool]any{true: "2026-11-27 01:00:05"}[st == "sent"])
	}
	sum, err := s.NoticeDeliveries(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, h := range sum {
		states = append(states, h.Hamlet.Code+"="+string(h.State())+":"+h.Error)
	}
	if want := []string{"khom-1=sent:", "khom-2=failed:OA không ở trong nhóm", "khom-3=queued:"}; !reflect.DeepEqual(states, want) {
		t.Errorf("NoticeDeliveries = %v; want %v", states, want)
	}
	if sum[0].LastSentAt.IsZero() || sum[1].ErrorCode != -403 {
		t.Errorf("summary details = %+v", sum)
	}

	if k, err := s.RetryNotice(ctx, n.ID, "cli"); k != 1 || err != nil {
		t.Fatalf("RetryNotice = %d, %v; want 1", k, err)
	}
	if k, err := s.CancelNotice(ctx, n.ID, "cli", "Đã có điện lại"); k != 2 || err != nil {
		t.Fatalf("CancelNotice = %d, %v; want 2 (queued and retry)", k, err)
	}
	sum, _ = s.NoticeDeliveries(ctx, n.ID)
	states = nil
	for _, h := range sum {
		states = append(states, h.Hamlet.Code+"="+string(h.State())+":"+h.Error)
	}
	want := []string{"khom-1=sent:", "khom-2=skipped:Thông báo đã bị hủy: Đã có điện lại", "khom-3=skipped:Thông báo đã bị hủy: Đã có điện lại"}
	if !reflect.DeepEqual(states, want) {
		t.Errorf("after cancel = %v; want %v", states, want)
	}
	if _, err := s.CancelNotice(ctx, n.ID, "cli", ""); err == nil {
		t.Error("cancelling twice succeeded")
	}
	if _, err := s.RetryNotice(ctx, n.ID, "cli"); err == nil {
		t.Error("retrying a cancelled notice succeeded")
	}
	if _, err := s.Notice(ctx, 999); !errors.Is(err, notices.ErrNotFound) {
		t.Errorf("Notice(999) = %v; want ErrNotFound", err)
	}
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
