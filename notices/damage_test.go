package notices_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

// poisonRows are the rows of issue 10 that the first schema accepted and
// that stopped every poll cycle, keyed by their title.
var poisonRows = map[string]string{
	"Mã thôn lặp": `INSERT INTO notices (title, body, status, targets)
		VALUES ('Mã thôn lặp', 'Ba mã, một mã hai lần.', 'approved', 'khom-1,ap-dong-hoa,khom-1')`,
	"Giờ tạo có múi giờ": `INSERT INTO notices (title, body, status, created_at)
		VALUES ('Giờ tạo có múi giờ', 'Giờ tạo viết kiểu ISO 8601.', 'approved', '2026-12-01T08:00:00+07:00')`,
	"Duyệt hôm qua": `INSERT INTO notices (title, body, status, approved_at)
		VALUES ('Duyệt hôm qua', 'Giờ duyệt viết bằng chữ.', 'approved', 'hôm qua')`,
	"Nội dung có NUL": `INSERT INTO notices (title, body, status)
		VALUES ('Nội dung có NUL', 'A' || char(0) || printf('%.*c', 60000, 'x'), 'approved')`,
}

// v1WithPoison is a copy of testdata/v1.db into which another program
// wrote the poison rows while the first schema was in force, opened (and so
// upgraded) by this binary.
func v1WithPoison(t *testing.T) (*notices.Store, string, map[string]int64) {
	t.Helper()
	b, err := os.ReadFile(v1DB)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "loaxa.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for title, q := range poisonRows {
		res, err := db.Exec(q)
		if err != nil {
			t.Fatalf("the first schema refused %q: %v", title, err)
		}
		ids[title], _ = res.LastInsertId()
	}
	db.Close()
	s, err := notices.Open(context.Background(), path, notices.Options{Location: hcm, PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatalf("Open(v1.db with poison rows) = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path, ids
}

// TestPoisonRowsReadAsDamaged: after the upgrade every list still reads, the
// rows that cannot be used come back Damaged with a reason naming the
// column, and the one whose time was only written in another form is
// repaired by the migration.
func TestPoisonRowsReadAsDamaged(t *testing.T) {
	ctx := context.Background()
	s, _, ids := v1WithPoison(t)

	all, err := s.Notices(ctx, notices.NoticeFilter{})
	if err != nil {
		t.Fatalf("Notices() with poison rows = %v; want every row", err)
	}
	if len(all) != 3+len(poisonRows) {
		t.Errorf("Notices() = %d rows; want %d", len(all), 3+len(poisonRows))
	}
	live, err := s.LiveNotices(ctx)
	if err != nil {
		t.Fatalf("LiveNotices() with poison rows = %v", err)
	}
	byID := map[int64]*notices.Notice{}
	for _, n := range live {
		byID[n.ID] = n
	}
	for title, want := range map[string]string{
		"Mã thôn lặp":     `cột targets ghi mã thôn/ấp "khom-1" hai lần`,
		"Duyệt hôm qua":   `cột approved_at có giá trị "hôm qua", không phải một thời điểm`,
		"Nội dung có NUL": "cột body chứa ký tự NUL",
	} {
		n := byID[ids[title]]
		if n == nil {
			t.Errorf("LiveNotices() left out %q", title)
			continue
		}
		if !strings.Contains(n.Damaged, want) {
			t.Errorf("%q: Damaged = %q; want it to say %q", title, n.Damaged, want)
		}
		one, err := s.Notice(ctx, n.ID)
		if err != nil || one.Damaged != n.Damaged || !strings.HasPrefix(one.DamagedText(), "Thông báo hỏng: ") {
			t.Errorf("Notice(%d) = %q, %v; want the same damage, shown as Thông báo hỏng: …", n.ID, one.DamagedText(), err)
		}
	}
	if n := byID[ids["Nội dung có NUL"]]; n != nil && !strings.Contains(n.Damaged, "60001 ký tự") {
		t.Errorf("NUL body: Damaged = %q; want its real length, 60001 characters, counted", n.Damaged)
	}
	if n := byID[ids["Giờ tạo có múi giờ"]]; n == nil || n.Damaged != "" ||
		!n.CreatedAt.Equal(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("created_at with an offset = %+v; want it repaired to 2026-12-01 01:00:00 UTC and sound", n)
	}
}

// TestSetAsideAndCancel: a damaged notice is set aside once, leaves the
// daemon's list, is listed for /healthz, and can still be cancelled.
func TestSetAsideAndCancel(t *testing.T) {
	ctx := context.Background()
	s, path, ids := v1WithPoison(t)
	id := ids["Duyệt hôm qua"]
	first, err := s.SetAside(ctx, id, "cột approved_at không đọc được")
	if err != nil || !first {
		t.Fatalf("SetAside = %v, %v; want true, nil", first, err)
	}
	if again, err := s.SetAside(ctx, id, "lần hai"); err != nil || again {
		t.Errorf("second SetAside = %v, %v; want false, nil (already aside)", again, err)
	}
	live, err := s.LiveNotices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range live {
		if n.ID == id {
			t.Errorf("LiveNotices() still lists notice %d set aside", id)
		}
	}
	aside, err := s.SetAsideNotices(ctx)
	if err != nil || len(aside) != 1 || aside[0].ID != id || aside[0].Reason != "cột approved_at không đọc được" ||
		!aside[0].At.Equal(fixedNow) {
		t.Fatalf("SetAsideNotices() = %+v, %v; want notice %d with its reason, at %v", aside, err, id, fixedNow)
	}
	n, err := s.Notice(ctx, id)
	if err != nil || n.Damaged != "cột approved_at không đọc được" || !n.DamagedAt.Equal(fixedNow) {
		t.Errorf("Notice(%d) = %+v, %v; want the stored reason", id, n, err)
	}
	if err := s.ApproveNotice(ctx, ids["Mã thôn lặp"], "admin", true); err == nil {
		t.Error("ApproveNotice of an approved damaged notice succeeded")
	}
	for _, title := range []string{"Duyệt hôm qua", "Nội dung có NUL", "Mã thôn lặp"} {
		if _, err := s.CancelNotice(ctx, ids[title], "admin", "hỏng"); err != nil {
			t.Errorf("CancelNotice(%q) = %v; want a damaged notice cancelled", title, err)
		}
	}
	if aside, err := s.SetAsideNotices(ctx); err != nil || len(aside) != 0 {
		t.Errorf("SetAsideNotices() after the cancel = %+v, %v; want none waiting", aside, err)
	}
	var status, approvedAt string
	if err := rawDB(t, path).QueryRow(`SELECT status, approved_at FROM notices WHERE id = ?`, id).Scan(&status, &approvedAt); err != nil ||
		status != "cancelled" || approvedAt != "hôm qua" {
		t.Errorf("row after cancel = %q, %q, %v; want cancelled, its value left as it was", status, approvedAt, err)
	}
}

// TestUpgradedSchemaRefusesPoison: once upgraded, the same rows are refused
// at insert, with the column named.
func TestUpgradedSchemaRefusesPoison(t *testing.T) {
	_, path, _ := v1WithPoison(t)
	db := rawDB(t, path)
	for title, want := range map[string]string{
		"Mã thôn lặp":     "notices.targets names the same hamlet code twice",
		"Duyệt hôm qua":   "notices.approved_at is not a time",
		"Nội dung có NUL": "notices.body contains a NUL character",
	} {
		if _, err := db.Exec(poisonRows[title]); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("insert %q on the upgraded v1.db = %v; want %q", title, err, want)
		}
	}
	// An UPDATE that writes such a value is refused too; one that leaves
	// an old bad value alone is not (see TestSetAsideAndCancel).
	for q, want := range map[string]string{
		`UPDATE notices SET approved_at = 'hôm qua' WHERE id = 1`:                  "notices.approved_at is not a time",
		`UPDATE notices SET targets = 'khom-1,khom-1' WHERE id = 2`:                "notices.targets names the same hamlet code twice",
		`UPDATE notices SET body = 'A' || char(0) || 'B' WHERE id = 3`:             "notices.body contains a NUL character",
		`UPDATE notices SET created_at = '2026-12-01 24:00' WHERE id = 3`:          "notices.created_at is not a time",
		`UPDATE notices SET reason = printf('%.*c', 4001, 'x') WHERE id = 3`:       "notices.reason is longer than 4,000 characters",
		`UPDATE notices SET updated_at = '2026-12-01T09:00:00+07:00' WHERE id = 3`: "",
	} {
		_, err := db.Exec(q)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s = %v; want it accepted", q, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s = %v; want %q", q, err, want)
		}
	}
	var updated string
	db.QueryRow(`SELECT updated_at FROM notices WHERE id = 3`).Scan(&updated)
	if updated != "2026-12-01 02:00:00" {
		t.Errorf("updated_at written with an offset is stored as %q; want 2026-12-01 02:00:00", updated)
	}

	// The form the contract documents is accepted, and stored in UTC.
	res, err := db.Exec(poisonRows["Giờ tạo có múi giờ"])
	if err != nil {
		t.Fatalf("created_at with an offset refused: %v", err)
	}
	id, _ := res.LastInsertId()
	var created string
	db.QueryRow(`SELECT created_at FROM notices WHERE id = ?`, id).Scan(&created)
	if created != "2026-12-01 01:00:00" {
		t.Errorf("created_at stored as %q; want 2026-12-01 01:00:00", created)
	}
}

// TestOwnWritesPassTheRefusals: loaxa's own writes (create, approve,
// cancel, materialise) are not refused by the new triggers, and Validate
// says first, in Vietnamese, what the schema would refuse.
func TestOwnWritesPassTheRefusals(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	n := notices.Notice{Title: "Họp", Body: "Tối nay.", Targets: []string{"khom-1", "khom-2", "khom-1"},
		Author: "canbo", Source: notices.SourceCLI, Status: notices.StatusPending}
	if err := s.CreateNotice(ctx, &n); err != nil {
		t.Fatalf("CreateNotice with a code given twice = %v; want it de-duplicated", err)
	}
	if err := s.ApproveNotice(ctx, n.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelNotice(ctx, n.ID, "duyet", "đổi lịch"); err != nil {
		t.Fatal(err)
	}
	bad := notices.Notice{Title: "Họp", Body: "A\x00" + strings.Repeat("x", 100), Source: notices.SourceCLI}
	err := s.CreateNotice(ctx, &bad)
	var fes notices.FieldErrors
	if !errors.As(err, &fes) || !fes.Has("body") || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("CreateNotice with NUL in the body = %v; want a FieldError on body naming NUL", err)
	}
	if _, err := s.CancelNotice(ctx, 1, "x", strings.Repeat("lý do ", 1000)); !errors.As(err, &fes) || !fes.Has("reason") {
		t.Errorf("CancelNotice with a 6000-character reason = %v; want a FieldError on reason", err)
	}
}
