package notices_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

// v11DB is a database made by the loaxa of schema version 11, the last
// before communes (commit 53b39bd): `loaxa demo --db v11.db` stopped after
// its first notice was sent, then `hamlet add` of a hamlet Zalo could not
// check, a pending `notice add --hamlets khom-1,ap-moi`, a draft inserted
// with the sqlite3 shell, hamlet khom-3 disabled, a refresh mark left in
// daemon_state and `user add --name bich --role approver`; then
// PRAGMA journal_mode=DELETE and VACUUM. Rebuild it the same way if lost.
const v11DB = "testdata/v11.db"

// tableRows reads every row of table, in rowid order, as the text of each
// of cols.
func tableRows(t *testing.T, db *sql.DB, table string, cols []string) [][]string {
	t.Helper()
	q := "SELECT "
	for i, c := range cols {
		if i > 0 {
			q += ", "
		}
		q += fmt.Sprintf("quote(%q)", c)
	}
	rows, err := db.Query(q + " FROM " + table + " ORDER BY rowid")
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	return out
}

func columns(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	return cols
}

// upgradeKeepsRows copies the database file src, reads every row of every
// table, opens it with LOAXA_COMMUNE "UBND xã An Phú", and checks that no
// row is lost or changed and that every row is commune 1's.
func upgradeKeepsRows(t *testing.T, src string) (*notices.Store, *sql.DB) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "loaxa.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	before := map[string][][]string{}
	cols := map[string][]string{}
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, table := range tables {
		cols[table] = columns(t, db, table)
		before[table] = tableRows(t, db, table, cols[table])
	}
	db.Close()

	s, err := notices.Open(context.Background(), path, notices.Options{Location: hcm, PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return fixedNow }, Commune: "UBND xã An Phú"})
	if err != nil {
		t.Fatalf("Open(%s) = %v", src, err)
	}
	t.Cleanup(func() { s.Close() })
	db = rawDB(t, path)
	for _, table := range tables {
		c := cols[table]
		if table == "zalo_tokens" { // rebuilt: keyed by commune instead of id = 1
			c = append([]string{"commune_id"}, c[1:]...)
		}
		if table == "schema_migrations" {
			continue
		}
		after := tableRows(t, db, table, c)
		if table == "zalo_tokens" {
			for _, r := range before[table] {
				r[0] = "1"
			}
		}
		if !reflect.DeepEqual(before[table], after) {
			t.Errorf("table %s changed in the upgrade:\nbefore %v\nafter  %v", table, before[table], after)
		}
	}
	for _, table := range []string{"hamlets", "notices", "occurrences", "deliveries", "audit_log", "users", "zalo_tokens"} {
		var n, notOne int
		db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE commune_id IS NOT 1) FROM `+table).Scan(&n, &notOne)
		if notOne != 0 {
			t.Errorf("%s: %d of %d rows are not commune 1's", table, notOne, n)
		}
	}
	var bad int
	db.QueryRow(`SELECT count(*) FROM notices WHERE commune IS NOT 'xa-an-phu'`).Scan(&bad)
	if bad != 0 {
		t.Errorf("%d notices do not name commune xa-an-phu", bad)
	}
	cs, err := s.Communes(context.Background())
	if err != nil || len(cs) != 1 || cs[0] != (notices.Commune{ID: 1, Code: "xa-an-phu", Name: "UBND xã An Phú", Active: true,
		CreatedAt: fixedNow, UpdatedAt: fixedNow}) {
		t.Errorf("communes after the upgrade = %+v, %v", cs, err)
	}
	var fk int
	db.QueryRow(`SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk)
	if fk != 0 {
		t.Errorf("%d foreign key violations after the upgrade", fk)
	}
	return s, db
}

// TestUpgradeToCommunes: a database of the first release, and one made by
// the loaxa of just before communes, become a province of one commune:
// no row lost or changed, every row the commune's, and it works as before.
func TestUpgradeToCommunes(t *testing.T) {
	ctx := context.Background()
	t.Run("v1.db", func(t *testing.T) {
		s, _ := upgradeKeepsRows(t, v1DB)
		if a, r, _, err := s.LoadZaloTokens(ctx); err != nil || a != "v1-access" || r != "v1-refresh" {
			t.Errorf("LoadZaloTokens = %q, %q, %v; want the v1 pair", a, r, err)
		}
	})
	t.Run("v11.db", func(t *testing.T) {
		s, db := upgradeKeepsRows(t, v11DB)
		if at, err := s.ZaloRefreshInterrupted(ctx); err != nil || !at.Equal(time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)) {
			t.Errorf("the refresh mark left before the upgrade reads %v, %v; want it kept", at, err)
		}
		if a, r, _, err := s.LoadZaloTokens(ctx); err != nil || a == "" || r == "" {
			t.Errorf("LoadZaloTokens = %q, %q, %v; want the demo's pair", a, r, err)
		}
		// Everything works with no commune named, as before.
		h := notices.Hamlet{Name: "Ấp Mới 2", GroupID: "grp-ap-moi-2"}
		if err := s.CreateHamlet(ctx, "test", &h); err != nil || h.CommuneID != 1 || h.Commune != "xa-an-phu" {
			t.Errorf("CreateHamlet = %+v, %v", h, err)
		}
		dup := notices.Hamlet{Name: "Khóm 1", GroupID: "grp-other"}
		if err := s.CreateHamlet(ctx, "test", &dup); err == nil {
			t.Errorf("a second khom-1 in the same commune was accepted")
		}
		n := notices.Notice{Title: "Họp", Body: "Tối nay", Targets: []string{"khom-1", "ap-moi"}, Source: notices.SourceCLI}
		if err := s.CreateNotice(ctx, &n); err != nil || n.CommuneID != 1 {
			t.Errorf("CreateNotice = %v (commune %d)", err, n.CommuneID)
		}
		res, err := db.Exec(`INSERT INTO notices (title, body, status, targets) VALUES ('Từ SQL', 'Không ghi xã', 'approved', 'khom-2')`)
		if err != nil {
			t.Fatalf("external insert without commune: %v", err)
		}
		id, _ := res.LastInsertId()
		got, err := s.Notice(ctx, id)
		if err != nil || got.Commune != "xa-an-phu" || got.CommuneID != 1 {
			t.Errorf("external notice = %+v, %v; want commune xa-an-phu (1)", got, err)
		}
		ts, err := s.NoticeTargets(ctx, got)
		if err != nil || len(ts) != 1 || ts[0].GroupID != "4a9bada229cec09099df" || ts[0].CommuneID != 1 {
			t.Errorf("NoticeTargets = %+v, %v; want khom-2's group", ts, err)
		}
		// A disabled hamlet gets nothing, as before.
		all := notices.Notice{Commune: "xa-an-phu", CommuneID: 1}
		ts, _ = s.NoticeTargets(ctx, &all)
		for _, tg := range ts {
			if tg.GroupID == "9c3e1d7a52b04f6e8a11" {
				t.Errorf("the disabled khom-3 is a target of 'all'")
			}
		}
		if len(ts) != 7 {
			t.Errorf("'all' goes to %d hamlets; want the 7 active", len(ts))
		}
		if _, err := s.Authenticate(ctx, "bich", "mat-khau-rat-dai-123"); err != nil {
			t.Errorf("Authenticate(bich) = %v", err)
		}
		if u, err := s.UserByName(ctx, "bich"); err != nil || u.CommuneID != 1 {
			t.Errorf("UserByName(bich) = %+v, %v; want commune 1's", u, err)
		}
	})
}
