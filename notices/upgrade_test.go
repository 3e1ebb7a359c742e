package notices_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

// v1DB is a database of the first released schema (0001_init.sql) holding
// a little of everything, committed so that every later binary is tested
// against it: TestUpgradeFromV1. Rewrite it only if it is lost, with
//
//	LOAXA_WRITE_V1DB=1 go test ./notices -run TestWriteV1DB
//
// which builds it from the migration file, never through Open, so that no
// later migration can slip in.
const v1DB = "testdata/v1.db"

const v1Password = "mat-khau-v1"

func TestWriteV1DB(t *testing.T) {
	if os.Getenv("LOAXA_WRITE_V1DB") == "" {
		t.Skip("rewrites testdata/v1.db; set LOAXA_WRITE_V1DB=1")
	}
	schema, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(v1Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(v1DB)
	db, err := sql.Open("sqlite3", "file:"+v1DB+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	stmts := []string{
		string(schema),
		`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
			applied_at TEXT NOT NULL DEFAULT (datetime('now')))`,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, '0001_init.sql', '2026-11-20 01:00:00')`,
		`INSERT INTO hamlets (id, code, name, group_id) VALUES (1, 'khom-1', 'Khóm 1', 'grp-khom-1'),
			(2, 'ap-dong-hoa', 'Ấp Đông Hòa', 'grp-ap-dong-hoa')`,
		`INSERT INTO hamlets (id, code, name, group_id, active) VALUES (3, 'thon-cu', 'Thôn Cũ', 'grp-thon-cu', 0)`,
		`INSERT INTO users (id, username, display_name, role, password_hash) VALUES
			(1, 'admin', 'Anh Quản Trị', 'admin', '` + string(hash) + `')`,
		`INSERT INTO notices (id, title, body, priority, status, targets, author, approver, approved_at, source,
			last_due_at, created_at, updated_at)
			VALUES (1, 'Lịch tiêm phòng', 'Tiêm phòng dại cho chó mèo lúc 8 giờ sáng thứ Bảy.', 'normal', 'done',
			'all', 'admin', 'admin', '2026-11-20 02:00:00', 'cli', '2026-11-20 02:00:00',
			'2026-11-20 01:30:00', '2026-11-20 02:05:00')`,
		`INSERT INTO notices (id, title, body, status, targets, source, recurrence, author)
			VALUES (2, 'Thu gom rác', 'Xe rác đi qua lúc 7 giờ.', 'pending', 'khom-1', 'web', '0 7 * * 1', 'admin')`,
		`INSERT INTO notices (id, title, body, status, source) VALUES (3, 'Từ hệ thống văn bản', 'Chèn bằng SQL.', 'draft', 'sql')`,
		`INSERT INTO occurrences (id, notice_id, due_at) VALUES (1, 1, '2026-11-20 02:00:00')`,
		`INSERT INTO deliveries (id, notice_id, occurrence_id, hamlet_id, group_id, body, status, due_at,
			next_attempt_at, attempts, claimed_at, sent_at, message_id)
			VALUES (1, 1, 1, 1, 'grp-khom-1', '📢 THÔNG BÁO…', 'sent', '2026-11-20 02:00:00', '2026-11-20 02:00:00', 1,
			'2026-11-20 02:00:01', '2026-11-20 02:00:02', 'msg-v1-1'),
			(2, 1, 1, 2, 'grp-ap-dong-hoa', '📢 THÔNG BÁO…', 'sent', '2026-11-20 02:00:00', '2026-11-20 02:00:00', 2,
			'2026-11-20 02:00:01', '2026-11-20 02:01:30', 'msg-v1-2')`,
		`INSERT INTO zalo_tokens (id, access_token, refresh_token, access_expires_at)
			VALUES (1, 'v1-access', 'v1-refresh', '2026-11-21 03:00:00')`,
		`INSERT INTO audit_log (at, actor, action, notice_id, detail) VALUES ('2026-11-20 02:00:00', 'admin', 'notice.approve', 1, '')`,
		`INSERT INTO daemon_state (key, value) VALUES ('last_bulletin_slot', '2026-11-19 10:30:00')`,
		`PRAGMA journal_mode = DELETE`,
		`VACUUM`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%.60s…: %v", s, err)
		}
	}
}

// TestUpgradeFromV1 opens a copy of a database written by the first
// release: Open brings it to the newest schema, and what it held is still
// there and still usable.
func TestUpgradeFromV1(t *testing.T) {
	ctx := context.Background()
	b, err := os.ReadFile(v1DB)
	if err != nil {
		t.Fatalf("%v (see TestWriteV1DB)", err)
	}
	path := filepath.Join(t.TempDir(), "loaxa.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := notices.Open(ctx, path, notices.Options{Location: hcm, PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatalf("Open(v1.db) = %v", err)
	}
	defer s.Close()
	for _, m := range s.Applied() {
		if m.Version <= 1 {
			t.Errorf("Open applied %s again to a version 1 database", m.Name)
		}
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != notices.LatestSchema() {
		t.Errorf("SchemaVersion() after the upgrade = %d, %v; want %d", v, err, notices.LatestSchema())
	}

	hs, err := s.Hamlets(ctx)
	if err != nil || len(hs) != 3 {
		t.Fatalf("Hamlets() = %d hamlets, %v; want 3", len(hs), err)
	}
	if hs[1].Name != "Khóm 1" && hs[0].Name != "Khóm 1" && hs[2].Name != "Khóm 1" {
		t.Errorf("Hamlets() = %+v; want Khóm 1 among them", hs)
	}
	if _, err := s.Authenticate(ctx, "admin", v1Password); err != nil {
		t.Errorf("Authenticate(admin) with the v1 password = %v", err)
	}
	n, err := s.Notice(ctx, 1)
	if err != nil || n.Title != "Lịch tiêm phòng" || n.Status != notices.StatusDone {
		t.Errorf("Notice(1) = %+v, %v; want the done notice 'Lịch tiêm phòng'", n, err)
	}
	n2, err := s.Notice(ctx, 2)
	if err != nil || n2.Recurrence != "0 7 * * 1" || len(n2.Targets) != 1 || n2.Targets[0] != "khom-1" {
		t.Errorf("Notice(2) = %+v, %v; want the pending weekly notice for khom-1", n2, err)
	}
	hd, err := s.NoticeDeliveries(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, h := range hd {
		sent += h.Count[notices.DeliverySent]
	}
	if sent != 2 {
		t.Errorf("NoticeDeliveries(1) counts %d sent; want 2", sent)
	}
	// Their Zalo message ids are found in their groups (0017), each in its own.
	for g, want := range map[string]string{"grp-khom-1": "msg-v1-1", "grp-ap-dong-hoa": "msg-v1-2"} {
		known, err := s.KnownMessageIDs(ctx, g, []string{"msg-v1-1", "msg-v1-2"})
		if err != nil || len(known) != 1 || !known[want] {
			t.Errorf("KnownMessageIDs(%s) after the upgrade = %v, %v; want only %s", g, known, err, want)
		}
	}
	// Their texts, kept in the rows before 0012, still answer.
	checkBodies(t, rawDB(t, path), func(int) string { return "📢 THÔNG BÁO…" })
	a, r, exp, err := s.LoadZaloTokens(ctx)
	if err != nil || a != "v1-access" || r != "v1-refresh" || !exp.Equal(time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("LoadZaloTokens() = %q, %q, %v, %v; want the v1 pair", a, r, exp, err)
	}
	// And it takes new work: a notice approved now is materialised.
	if _, err := s.QueueDepth(ctx); err != nil {
		t.Errorf("QueueDepth() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A second Open of the upgraded file does nothing.
	s2, err := notices.Open(ctx, path, notices.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if len(s2.Applied()) != 0 {
		t.Errorf("second Open applied %v; want nothing", s2.Applied())
	}
}
