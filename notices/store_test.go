package notices_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

var hcm = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// fixedNow is the test clock: 2026-11-27 08:00 in the commune.
var fixedNow = time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)

// openStore opens a fresh store in a temp dir with a fixed clock.
func openStore(t testing.TB) (*notices.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "loaxa.db")
	s, err := notices.Open(context.Background(), path, notices.Options{
		Now:          func() time.Time { return fixedNow },
		Location:     hcm,
		Logger:       zerolog.New(zerolog.NewTestWriter(t)),
		PasswordCost: bcrypt.MinCost,
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// rawDB opens a second, plain connection to path, as another program would.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// counts returns the number of rows in each table that writes touch.
func counts(t testing.TB, db *sql.DB) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, table := range []string{"hamlets", "notices", "users", "deliveries", "audit_log", "zalo_tokens"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		m[table] = n
	}
	return m
}

func addHamlets(t testing.TB, s *notices.Store, names ...string) []notices.Hamlet {
	t.Helper()
	var hs []notices.Hamlet
	for i, name := range names {
		h := notices.Hamlet{Name: name, GroupID: "grp-" + string(rune('a'+i))}
		if err := s.CreateHamlet(context.Background(), "test", &h); err != nil {
			t.Fatalf("CreateHamlet(%q): %v", name, err)
		}
		hs = append(hs, h)
	}
	return hs
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	if got := s.Applied(); len(got) == 0 || got[0].Name != "0001_init.sql" || got[0].Version != 1 ||
		got[len(got)-1].Version != notices.LatestSchema() {
		t.Fatalf("Applied() on an empty database = %v; want 0001_init.sql … %d", got, notices.LatestSchema())
	}
	again, err := s.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing, nil", again, err)
	}
	s.Close()
	s2, err := notices.Open(ctx, path, notices.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := s2.Applied(); len(got) != 0 {
		t.Errorf("reopen applied %v; want nothing", got)
	}
	if v, err := s2.SchemaVersion(ctx); v != notices.LatestSchema() || err != nil {
		t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, notices.LatestSchema())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode = %v; want 0600", fi.Mode().Perm())
	}
	var mode string
	if err := rawDB(t, path).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := openStore(t)
	s.Close()
	db := rawDB(t, path)
	future := notices.LatestSchema() + 1
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (?, 'future.sql')`, future); err != nil {
		t.Fatal(err)
	}
	_, err := notices.Open(context.Background(), path, notices.Options{})
	var tooNew *notices.SchemaTooNewError
	if !errors.As(err, &tooNew) {
		t.Fatalf("Open of a newer database = %v; want *SchemaTooNewError", err)
	}
	want := fmt.Sprintf("database schema version %d is newer than this loaxa (knows up to %d); upgrade loaxa",
		future, notices.LatestSchema())
	if err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
}

func TestChangedAndDataVersion(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	select {
	case <-s.Changed(): // the migration's signal
	default:
	}
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	select {
	case <-s.Changed():
	default:
		t.Fatal("Changed() not signalled after a write")
	}
	select {
	case <-s.Changed():
		t.Fatal("Changed() holds more than one signal")
	default:
	}
	v1, err := s.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, path).Exec(`INSERT INTO notices (title, body) VALUES ('x', 'y')`); err != nil {
		t.Fatal(err)
	}
	v2, err := s.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v2 == v1 {
		t.Errorf("DataVersion did not change after another connection wrote (%d)", v1)
	}
}

func TestZaloTokens(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	a, r, exp, err := s.LoadZaloTokens(ctx)
	if a != "" || r != "" || !exp.IsZero() || err != nil {
		t.Fatalf("LoadZaloTokens on empty = %q, %q, %v, %v; want empty", a, r, exp, err)
	}
	want := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	for _, pair := range [][2]string{{"acc-1", "ref-1"}, {"acc-2", "ref-2"}} {
		if err := s.SaveZaloTokens(ctx, pair[0], pair[1], want.In(hcm)); err != nil {
			t.Fatal(err)
		}
		a, r, exp, err = s.LoadZaloTokens(ctx)
		if a != pair[0] || r != pair[1] || !exp.Equal(want) || err != nil {
			t.Errorf("LoadZaloTokens = %q, %q, %v, %v; want %q, %q, %v", a, r, exp, err, pair[0], pair[1], want)
		}
	}
	// Committed: another connection sees the newest pair.
	var got string
	if err := rawDB(t, path).QueryRow(`SELECT refresh_token FROM zalo_tokens`).Scan(&got); err != nil || got != "ref-2" {
		t.Errorf("refresh token seen by another connection = %q, %v; want ref-2", got, err)
	}
	entries, err := s.Audit(ctx, notices.AuditFilter{Action: "zalo.tokens"})
	if err != nil || len(entries) != 2 {
		t.Fatalf("audit entries = %v, %v; want 2", entries, err)
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, "acc-") || strings.Contains(e.Detail, "ref-") {
			t.Errorf("audit detail %q leaks a token", e.Detail)
		}
	}
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1")
	other := rawDB(t, path)
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		n := 0
		defer func() { done <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := other.Exec(`INSERT INTO notices (title, body) VALUES ('Họp thôn', 'Tối nay 19h')`); err != nil {
				t.Errorf("concurrent insert: %v", err)
				return
			}
			n++
		}
	}()
	time.Sleep(20 * time.Millisecond)
	dest := filepath.Join(t.TempDir(), "backup.db")
	err := s.Backup(ctx, dest)
	close(stop)
	written := <-done
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if written == 0 {
		t.Fatal("the other connection wrote nothing during the test")
	}
	b, err := notices.Open(ctx, dest, notices.Options{})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer b.Close()
	var check string
	if err := rawDB(t, dest).QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check of backup = %q, %v", check, err)
	}
	if hs, err := b.Hamlets(ctx); err != nil || len(hs) != 1 {
		t.Errorf("backup hamlets = %v, %v; want 1", hs, err)
	}
	if err := s.Backup(ctx, dest); err == nil {
		t.Error("Backup over an existing file succeeded; want an error")
	}
	fi, _ := os.Stat(dest)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v; want 0600", fi.Mode().Perm())
	}
}
