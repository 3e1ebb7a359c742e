package notices_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/notices"
)

// openProvince opens a fresh database whose first commune is xa-an-phu
// (named from LOAXA_COMMUNE) with hamlets ap-1 and ap-2, and adds the
// commune xa-phu-hoa with its own ap-1: the setting of docs/schema.md's
// province examples.
func openProvince(t *testing.T) (*notices.Store, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "loaxa.db")
	s, err := notices.Open(ctx, path, notices.Options{Now: func() time.Time { return fixedNow }, Location: hcm,
		Logger: zerolog.New(zerolog.NewTestWriter(t)), PasswordCost: bcrypt.MinCost, Commune: "UBND xã An Phú"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	for _, h := range []notices.Hamlet{{Code: "ap-1", Name: "Ấp 1", GroupID: "g-ap-1"}, {Code: "ap-2", Name: "Ấp 2", GroupID: "g-ap-2"}} {
		if err := s.CreateHamlet(ctx, "test", &h); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateCommune(ctx, "test", &notices.Commune{Code: "xa-phu-hoa", Name: "UBND xã Phú Hòa", RatePerMin: 100}); err != nil {
		t.Fatal(err)
	}
	h := notices.Hamlet{Commune: "xa-phu-hoa", Code: "ap-1", Name: "Ấp 1", GroupID: "g-ph-ap-1"}
	if err := s.CreateHamlet(ctx, "test", &h); err != nil {
		t.Fatalf("same hamlet code in another commune: %v", err)
	}
	return s, path
}

// TestCommuneFromLOAXACommune: a fresh database is a province of one
// commune named from LOAXA_COMMUNE, with a code made from the name.
func TestCommuneFromLOAXACommune(t *testing.T) {
	s, _ := openProvince(t)
	cs, err := s.Communes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Code != "xa-an-phu" || cs[0].Name != "UBND xã An Phú" || cs[0].ID != 1 || !cs[0].Active ||
		cs[0].RatePerMin != 0 || cs[1].Code != "xa-phu-hoa" || cs[1].RatePerMin != 100 {
		t.Errorf("communes = %+v", cs)
	}
	for name, want := range map[string]string{"UBND xã": "xa", "UBND phường Mỹ Bình": "phuong-my-binh", "Xã Đông Hòa": "xa-dong-hoa", "": "xa"} {
		if got := notices.CommuneCodeFromName(name); got != want {
			t.Errorf("CommuneCodeFromName(%q) = %q; want %q", name, got, want)
		}
	}
}

// TestSchemaDocProvince runs docs/schema.md's examples for several
// communes, as another program would (database/sql without foreign keys,
// and the sqlite3 shell): the accepted ones land in the right commune,
// the refused ones are refused with the promised message and write nothing.
func TestSchemaDocProvince(t *testing.T) {
	ctx := context.Background()
	s, path := openProvince(t)
	db := rawDB(t, path)
	bin, _ := exec.LookPath("sqlite3")
	ran, refused := 0, 0
	for _, block := range docBlocks(t) {
		switch {
		case strings.HasPrefix(block, "-- province refused"):
			for _, r := range refusals(t, block) {
				before := counts(t, db)
				if _, err := db.Exec(r.sql); err == nil || !strings.Contains(err.Error(), r.want) {
					t.Errorf("database/sql: %v; want refused with %q:\n%s", err, r.want, r.sql)
				}
				if bin != "" {
					var out bytes.Buffer
					cmd := exec.Command(bin, path, ".timeout 5000", r.sql)
					cmd.Stdout, cmd.Stderr = &out, &out
					if err := cmd.Run(); err == nil || !strings.Contains(out.String(), r.want) {
						t.Errorf("sqlite3 shell: %v %q; want refused with %q:\n%s", err, out.String(), r.want, r.sql)
					}
				}
				if after := counts(t, db); after["notices"] != before["notices"] || after["audit_log"] != before["audit_log"] {
					t.Errorf("refused example wrote rows (%v → %v):\n%s", before, after, r.sql)
				}
				refused++
			}
		case strings.HasPrefix(block, "-- province"):
			for _, st := range statements(block) {
				if bin != "" {
					var out bytes.Buffer
					cmd := exec.Command(bin, path, ".timeout 5000", st+";")
					cmd.Stdout, cmd.Stderr = &out, &out
					if err := cmd.Run(); err != nil {
						t.Errorf("sqlite3 shell refused a province example: %v %s\n%s", err, out.String(), st)
					}
				} else if _, err := db.Exec(st); err != nil {
					t.Errorf("province example refused: %v\n%s", err, st)
				}
				ran++
			}
		}
	}
	if ran != 3 || refused < 4 {
		t.Fatalf("ran %d province examples and %d refusals; want 3 and at least 4", ran, refused)
	}
	if bin == "" {
		t.Logf("sqlite3 shell not installed: the province examples went through database/sql only")
	}
	ns, err := s.Notices(ctx, notices.NoticeFilter{})
	if err != nil || len(ns) != 3 {
		t.Fatalf("Notices = %d, %v; want the 3 examples", len(ns), err)
	}
	// Newest first: the salt warning, the flood warning, the commune's meeting.
	want := []struct {
		commune string
		id      int64
		targets []string // hamlet group ids
	}{
		{"*", 0, []string{"g-ap-2", "g-ph-ap-1"}},
		{"*", 0, []string{"g-ap-1", "g-ap-2", "g-ph-ap-1"}},
		{"xa-an-phu", 1, []string{"g-ap-1"}},
	}
	for i, n := range ns {
		if n.Commune != want[i].commune || n.CommuneID != want[i].id || n.Source != notices.SourceSQL {
			t.Errorf("notice %d: commune %q (%d), source %s; want %q (%d)", n.ID, n.Commune, n.CommuneID, n.Source, want[i].commune, want[i].id)
		}
		ts, err := s.NoticeTargets(ctx, &n)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tg := range ts {
			got = append(got, tg.GroupID)
		}
		if strings.Join(got, ",") != strings.Join(want[i].targets, ",") {
			t.Errorf("notice %d %q goes to %v; want %v", n.ID, n.Title, got, want[i].targets)
		}
		a, err := s.Audit(ctx, notices.AuditFilter{NoticeID: n.ID})
		if err != nil || len(a) != 1 {
			t.Fatalf("audit of notice %d = %+v, %v", n.ID, a, err)
		}
		var auditCommune any
		db.QueryRow(`SELECT commune_id FROM audit_log WHERE id = ?`, a[0].ID).Scan(&auditCommune)
		if (want[i].id == 0) != (auditCommune == nil) {
			t.Errorf("audit of notice %d has commune %v; want %d (0: none)", n.ID, auditCommune, want[i].id)
		}
	}
}

// TestCommuneNoticesStore: through the store, a commune's notice names
// only its own hamlets, a province notice names communes and
// commune/hamlet, and leaving the commune out with several is refused.
func TestCommuneNoticesStore(t *testing.T) {
	ctx := context.Background()
	s, _ := openProvince(t)
	for _, tc := range []struct {
		n     notices.Notice
		field string // "" when accepted
	}{
		{notices.Notice{Title: "a", Body: "b"}, "commune"},
		{notices.Notice{Title: "a", Body: "b", Commune: "xa-khong-co"}, "commune"},
		{notices.Notice{Title: "a", Body: "b", Commune: "xa-phu-hoa", Targets: []string{"ap-2"}}, "targets"},
		{notices.Notice{Title: "a", Body: "b", Commune: "xa-phu-hoa", Targets: []string{"ap-1"}}, ""},
		{notices.Notice{Title: "a", Body: "b", Commune: notices.Province, Targets: []string{"ap-1"}}, "targets"},
		{notices.Notice{Title: "a", Body: "b", Commune: notices.Province, Targets: []string{"xa-an-phu/ap-9"}}, "targets"},
		{notices.Notice{Title: "a", Body: "b", Commune: notices.Province, Targets: []string{"xa-an-phu/ap-1", "xa-phu-hoa"}}, ""},
		{notices.Notice{Title: "a", Body: "b", Commune: notices.Province}, ""},
	} {
		n := tc.n
		n.Source = notices.SourceCLI
		err := s.CreateNotice(ctx, &n)
		var fes notices.FieldErrors
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("CreateNotice(%s %v) = %v; want accepted", tc.n.Commune, tc.n.Targets, err)
		case tc.field != "" && (!errors.As(err, &fes) || !fes.Has(tc.field)):
			t.Errorf("CreateNotice(%s %v) = %v; want a %s error", tc.n.Commune, tc.n.Targets, err, tc.field)
		}
	}
	if err := s.SetCommuneActive(ctx, "test", "xa-phu-hoa", false); err != nil {
		t.Fatal(err)
	}
	n := notices.Notice{Title: "a", Body: "b", Commune: notices.Province, Source: notices.SourceCLI}
	if err := s.CreateNotice(ctx, &n); err != nil {
		t.Fatal(err)
	}
	ts, _ := s.NoticeTargets(ctx, &n)
	if len(ts) != 2 {
		t.Errorf("province notice with xa-phu-hoa disabled goes to %+v; want xa-an-phu's 2 hamlets", ts)
	}
	n = notices.Notice{Title: "a", Body: "b", Commune: "xa-phu-hoa", Source: notices.SourceCLI}
	if err := s.CreateNotice(ctx, &n); err == nil {
		t.Errorf("a notice for a disabled commune was accepted")
	}
	if err := s.SetCommuneActive(ctx, "test", "xa-an-phu", false); err == nil {
		t.Errorf("the last active commune could be disabled")
	}
	var req *notices.CommuneRequiredError
	if _, err := s.HamletByCode(ctx, "ap-1"); !errors.As(err, &req) {
		t.Errorf("HamletByCode(ap-1) with two = %v; want a CommuneRequiredError", err)
	}
	if _, _, _, err := s.LoadZaloTokens(ctx); !errors.As(err, &req) {
		t.Errorf("LoadZaloTokens with several communes = %v; want a CommuneRequiredError", err)
	}
	u := notices.User{Username: "lan", Role: notices.RoleEditor}
	if err := s.CreateUser(ctx, "test", &u, "mot-cau-rat-dai-kho-doan"); err == nil {
		t.Errorf("a user without commune was accepted with several communes")
	}
	u = notices.User{Username: "tinh", Role: notices.RoleApprover, Commune: notices.Province}
	if err := s.CreateUser(ctx, "test", &u, "mot-cau-rat-dai-kho-doan"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByName(ctx, "tinh"); err != nil || got.Commune != notices.Province || got.CommuneID != 0 {
		t.Errorf("province user = %+v, %v", got, err)
	}
}

// TestCommuneTokens: each commune's pair is its own; the single-commune
// methods are commune 1's while it is the only one.
func TestCommuneTokens(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	if err := s.SaveZaloTokens(ctx, "a1", "r1", fixedNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginZaloRefresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCommune(ctx, "test", &notices.Commune{Code: "xa-b", Name: "UBND xã B"}); err != nil {
		t.Fatal(err)
	}
	b, err := s.CommuneByCode(ctx, "xa-b")
	if err != nil {
		t.Fatal(err)
	}
	tb := s.CommuneTokens(b.ID)
	if a, r, _, err := tb.LoadZaloTokens(ctx); err != nil || a != "" || r != "" {
		t.Errorf("new commune's pair = %q, %q, %v; want none", a, r, err)
	}
	if at, err := tb.ZaloRefreshInterrupted(ctx); err != nil || !at.IsZero() {
		t.Errorf("new commune's refresh mark = %v, %v; want none (commune 1 has one)", at, err)
	}
	if err := tb.SaveZaloTokens(ctx, "a2", "r2", time.Time{}); err != nil {
		t.Fatal(err)
	}
	t1 := s.CommuneTokens(1)
	if a, r, _, err := t1.LoadZaloTokens(ctx); err != nil || a != "a1" || r != "r1" {
		t.Errorf("commune 1's pair = %q, %q, %v; want a1, r1", a, r, err)
	}
	if at, err := t1.ZaloRefreshInterrupted(ctx); err != nil || at.IsZero() {
		t.Errorf("commune 1's refresh mark = %v, %v; want kept", at, err)
	}
}

// TestHamletInsertedBySQL: a hamlet a script inserts without a commune
// belongs to the only commune, as before; with several it is refused; and
// hamlet codes stay unique within a commune.
func TestHamletInsertedBySQL(t *testing.T) {
	s, path := openStore(t)
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO hamlets (code, name, group_id) VALUES ('ap-lac', 'Ấp Lạc', 'g-1')`); err != nil {
		t.Fatalf("insert without commune, one commune: %v", err)
	}
	var commune any
	db.QueryRow(`SELECT commune_id FROM hamlets WHERE code = 'ap-lac'`).Scan(&commune)
	if commune != int64(1) {
		t.Errorf("commune_id = %v; want 1", commune)
	}
	if _, err := db.Exec(`INSERT INTO hamlets (code, name, group_id) VALUES ('ap-lac', 'Ấp Lạc 2', 'g-2')`); err == nil {
		t.Errorf("a second ap-lac in the same commune was accepted")
	}
	if err := s.CreateCommune(context.Background(), "test", &notices.Commune{Code: "xa-b", Name: "UBND xã B"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO hamlets (code, name, group_id) VALUES ('ap-moi', 'Ấp Mới', 'g-3')`); err == nil ||
		!strings.Contains(err.Error(), "hamlets.commune_id is missing") {
		t.Errorf("insert without commune, two communes = %v; want refused", err)
	}
	if _, err := db.Exec(`INSERT INTO hamlets (commune_id, code, name, group_id) VALUES (2, 'ap-lac', 'Ấp Lạc', 'g-4')`); err != nil {
		t.Errorf("ap-lac in the second commune: %v", err)
	}
	if _, err := db.Exec(`UPDATE hamlets SET commune_id = NULL WHERE code = 'ap-lac' AND commune_id = 2`); err == nil {
		t.Errorf("a hamlet's commune could be set to NULL")
	}
}

// TestDeliveriesCarryTheirCommune: materialising a province notice makes
// deliveries each of its hamlet's commune, and an occurrence of none; a
// commune's notice makes its commune's occurrence; bulletins likewise.
func TestDeliveriesCarryTheirCommune(t *testing.T) {
	ctx := context.Background()
	s, path := openProvince(t)
	db := rawDB(t, path)
	province := notices.Notice{Title: "Lũ", Body: "b", Commune: notices.Province, Status: notices.StatusApproved,
		Source: notices.SourceCLI, Author: "tinh"}
	if err := s.CreateNotice(ctx, &province); err != nil {
		t.Fatal(err)
	}
	ts, err := s.NoticeTargets(ctx, &province)
	if err != nil || len(ts) != 3 {
		t.Fatalf("NoticeTargets = %+v, %v; want 3 hamlets", ts, err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: province.ID, DueAt: fixedNow, Status: notices.OccurrenceQueued,
		Parts: []string{"p1", "p2"}, Targets: ts}); err != nil {
		t.Fatal(err)
	}
	var got string
	db.QueryRow(`SELECT group_concat(h.group_id || '=' || d.commune_id, ' ') FROM deliveries d JOIN hamlets h ON h.id = d.hamlet_id
		WHERE d.notice_id = ? AND d.part = 1 ORDER BY h.id`, province.ID).Scan(&got)
	if got != "g-ap-1=1 g-ap-2=1 g-ph-ap-1=2" {
		t.Errorf("deliveries' communes = %q", got)
	}
	var occ any
	db.QueryRow(`SELECT commune_id FROM occurrences WHERE notice_id = ?`, province.ID).Scan(&occ)
	if occ != nil {
		t.Errorf("a province occurrence's commune = %v; want none", occ)
	}
	local := notices.Notice{Title: "Họp", Body: "b", Commune: "xa-phu-hoa", Status: notices.StatusApproved, Priority: notices.Low,
		Source: notices.SourceCLI, Author: "hoa"}
	if err := s.CreateNotice(ctx, &local); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Materialise(ctx, notices.OccurrencePlan{NoticeID: local.ID, DueAt: fixedNow, Status: notices.OccurrenceHeld}); err != nil {
		t.Fatal(err)
	}
	db.QueryRow(`SELECT commune_id FROM occurrences WHERE notice_id = ?`, local.ID).Scan(&occ)
	if occ != int64(2) {
		t.Errorf("xa-phu-hoa's occurrence's commune = %v; want 2", occ)
	}
	ts, _ = s.NoticeTargets(ctx, &local)
	if len(ts) != 1 || ts[0].GroupID != "g-ph-ap-1" || ts[0].CommuneID != 2 {
		t.Fatalf("xa-phu-hoa's notice goes to %+v; want its own ap-1", ts)
	}
	var occID int64
	db.QueryRow(`SELECT id FROM occurrences WHERE notice_id = ?`, local.ID).Scan(&occID)
	if err := s.MaterialiseBulletins(ctx, fixedNow, []notices.BulletinPlan{{Target: ts[0], Occurrences: []int64{occID},
		Parts: []string{"bản tin"}}}, []int64{occID}); err != nil {
		t.Fatal(err)
	}
	var bc any
	db.QueryRow(`SELECT commune_id FROM deliveries WHERE bulletin_id IS NOT NULL`).Scan(&bc)
	if bc != int64(2) {
		t.Errorf("the bulletin delivery's commune = %v; want 2", bc)
	}
}

// TestExternalCorrectionTakesItsCommune: with several communes, an update
// another program inserts without a commune is the commune of the notice
// it corrects; naming another commune is refused.
func TestExternalCorrectionTakesItsCommune(t *testing.T) {
	s, path := openProvince(t)
	db := rawDB(t, path)
	res, err := db.Exec(`INSERT INTO notices (title, body, status, commune) VALUES ('Họp', 'Tối nay', 'approved', 'xa-phu-hoa')`)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := res.LastInsertId()
	markSent(t, db, orig)
	res, err = db.Exec(`INSERT INTO notices (title, body, status, kind, refers_to) VALUES ('Đổi giờ', '19 giờ 30', 'approved', 'update', ?)`, orig)
	if err != nil {
		t.Fatalf("correction without commune: %v", err)
	}
	id, _ := res.LastInsertId()
	n, err := s.Notice(context.Background(), id)
	if err != nil || n.Commune != "xa-phu-hoa" || n.CommuneID != 2 {
		t.Errorf("correction = %+v, %v; want xa-phu-hoa's", n, err)
	}
	if _, err := db.Exec(`INSERT INTO notices (title, body, kind, refers_to, commune) VALUES ('Hủy', 'x', 'cancel', ?, 'xa-an-phu')`, orig); err == nil ||
		!strings.Contains(err.Error(), "notices.commune differs from the commune of the notice in refers_to") {
		t.Errorf("correction naming another commune = %v; want refused", err)
	}
}
