package notices_test

import (
	"bytes"
	"context"
	"database/sql"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestNoticeCommuneUpdateRefused is probe 6's F6 (and the way into F4): an
// UPDATE by another program that gives a notice a commune code of no
// commune, or any other commune_id, was accepted; the notice was then sent
// to its old commune but hidden from that commune's staff, or stopped every
// poll cycle. Since 0019 both are refused, through database/sql and the
// sqlite3 shell, on a fresh province and on databases upgraded from v1 and
// v11; the row is left as it was, other UPDATEs still pass, and loaxa's own
// rename of a commune still carries its notices along.
func TestNoticeCommuneUpdateRefused(t *testing.T) {
	type refused struct{ sql, want string }
	common := []refused{
		{`UPDATE notices SET commune = 'xa-khong-co' WHERE id = ?1`, "notices.commune names no commune"},
		{`UPDATE notices SET commune_id = 999 WHERE id = ?1`, "notices.commune_id is kept by loaxa"},
		{`UPDATE notices SET commune_id = NULL WHERE id = ?1`, "notices.commune_id is kept by loaxa"},
		{`UPDATE notices SET commune = NULL WHERE id = ?1`, "notices.commune must be text"},
		{`UPDATE notices SET commune = '*' WHERE id = ?1`, "notices.commune cannot move a notice to another commune"},
	}
	check := func(t *testing.T, s *notices.Store, path string, id int64, extra ...refused) {
		t.Helper()
		ctx := context.Background()
		db := rawDB(t, path)
		before, err := s.Notice(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		bin, _ := exec.LookPath("sqlite3")
		for _, r := range append(common, extra...) {
			if _, err := db.Exec(r.sql, id); err == nil || !strings.Contains(err.Error(), r.want) {
				t.Errorf("database/sql: %s = %v; want refused with %q", r.sql, err, r.want)
			}
			if bin != "" {
				var out bytes.Buffer
				cmd := exec.Command(bin, path, ".timeout 5000", strings.ReplaceAll(r.sql, "?1", istr(id)))
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Run(); err == nil || !strings.Contains(out.String(), r.want) {
					t.Errorf("sqlite3 shell: %s = %v %q; want refused with %q", r.sql, err, out.String(), r.want)
				}
			}
		}
		after, err := s.Notice(ctx, id)
		if err != nil || after.Commune != before.Commune || after.CommuneID != before.CommuneID {
			t.Errorf("notice %d after the refused updates: %q (%d), %v; want %q (%d)", id, after.Commune, after.CommuneID,
				err, before.Commune, before.CommuneID)
		}
		// Writing the commune it already has, and other columns, still pass.
		if _, err := db.Exec(`UPDATE notices SET commune = commune, title = 'Tiêu đề sửa bằng SQL' WHERE id = ?`, id); err != nil {
			t.Errorf("an UPDATE leaving the commune alone was refused: %v", err)
		}
		// loaxa renames a commune: its notices follow the new code.
		if err := s.RenameCommune(ctx, "test", before.Commune, before.Commune+"-moi"); err != nil {
			t.Fatalf("RenameCommune: %v", err)
		}
		if n, err := s.Notice(ctx, id); err != nil || n.Commune != before.Commune+"-moi" || n.CommuneID != before.CommuneID {
			t.Errorf("after the rename the notice reads %q (%d), %v; want %q (%d)", n.Commune, n.CommuneID, err,
				before.Commune+"-moi", before.CommuneID)
		}
		if bin == "" {
			t.Logf("sqlite3 shell not installed: the refusals were checked through database/sql only")
		}
	}
	external := func(t *testing.T, db *sql.DB, q string) int64 {
		t.Helper()
		res, err := db.Exec(q)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}

	t.Run("province", func(t *testing.T) {
		s, path := openProvince(t)
		id := external(t, rawDB(t, path), `INSERT INTO notices (title, body, status, commune, targets)
			VALUES ('Sẽ bị sửa', 'x', 'approved', 'xa-an-phu', 'all')`)
		prov := external(t, rawDB(t, path), `INSERT INTO notices (title, body, status, commune)
			VALUES ('Toàn tỉnh', 'x', 'approved', '*')`)
		check(t, s, path, id,
			refused{`UPDATE notices SET commune = 'xa-phu-hoa' WHERE id = ?1`, "notices.commune cannot move a notice to another commune"},
			refused{`UPDATE notices SET commune = 'xa-phu-hoa', commune_id = 2 WHERE id = ?1`, "notices.commune_id is kept by loaxa"})
		db := rawDB(t, path)
		for q, want := range map[string]string{
			`UPDATE notices SET commune = 'xa-phu-hoa' WHERE id = ?`: "notices.commune cannot move a notice to another commune",
			`UPDATE notices SET commune_id = 2 WHERE id = ?`:         "notices.commune_id is kept by loaxa",
		} {
			if _, err := db.Exec(q, prov); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s on a province notice = %v; want %q", q, err, want)
			}
		}
	})
	t.Run("upgraded v1.db", func(t *testing.T) {
		s, db := upgradeKeepsRows(t, v1DB)
		var id int64
		if err := db.QueryRow(`SELECT min(id) FROM notices`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		check(t, s, dbPath(t, db), id)
	})
	t.Run("upgraded v11.db", func(t *testing.T) {
		s, db := upgradeKeepsRows(t, v11DB)
		var id int64
		if err := db.QueryRow(`SELECT max(id) FROM notices`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		check(t, s, dbPath(t, db), id)
	})
}

func dbPath(t *testing.T, db *sql.DB) string {
	t.Helper()
	var path string
	if err := db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAuditOfNoticeOfNoCommune: an entry about a notice whose commune_id
// names no commune (a row from before 0019, or around it) is not refused by
// the foreign key: it goes to the commune the notice's code names, else to
// none. Before, closing or setting aside such a notice failed, forever.
func TestAuditOfNoticeOfNoCommune(t *testing.T) {
	ctx := context.Background()
	s, path := openProvince(t)
	db := rawDB(t, path)
	ids := map[string]int64{}
	for _, c := range []string{"xa-phu-hoa", "xa-an-phu"} {
		res, err := db.Exec(`INSERT INTO notices (title, body, status, commune) VALUES ('Hỏng', 'x', 'approved', ?)`, c)
		if err != nil {
			t.Fatal(err)
		}
		ids[c], _ = res.LastInsertId()
	}
	// As a program could before 0019 (or with its trigger dropped).
	var guard string
	if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'notices_commune_update'`).Scan(&guard); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER notices_commune_update`,
		`UPDATE notices SET commune_id = 999 WHERE id = ` + istr(ids["xa-phu-hoa"]),
		`UPDATE notices SET commune_id = 998, commune = 'xa-khong-co' WHERE id = ` + istr(ids["xa-an-phu"]), guard} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	phuHoa, err := s.CommuneByCode(ctx, "xa-phu-hoa")
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]int64{"xa-phu-hoa": phuHoa.ID, "xa-an-phu": 0} {
		id := ids[code]
		if first, err := s.SetAside(ctx, id, "thử"); err != nil || !first {
			t.Errorf("SetAside(%d) = %v, %v; want it set aside", id, first, err)
		}
		if err := s.CloseNotice(ctx, id, notices.StatusRejected, "thử"); err != nil {
			t.Errorf("CloseNotice(%d) = %v", id, err)
		}
		es, err := s.Audit(ctx, notices.AuditFilter{NoticeID: id, Action: "notice."})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Action != "notice.create" && e.CommuneID != want {
				t.Errorf("%s of notice %d belongs to commune %d; want %d", e.Action, id, e.CommuneID, want)
			}
		}
		if len(es) != 3 {
			t.Errorf("audit of notice %d = %+v; want create, set_aside, rejected", id, es)
		}
	}
	// An entry written by another program goes by the same rule.
	if _, err := db.Exec(`INSERT INTO audit_log (actor, action, notice_id) VALUES ('sql', 'notice.note', ?)`, ids["xa-an-phu"]); err != nil {
		t.Errorf("an external audit entry about the notice of no commune: %v", err)
	}
}

func istr(n int64) string { return strconv.FormatInt(n, 10) }
