package schedule_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
)

// aroundCommuneGuard runs stmts on a plain connection of their own (as the
// sqlite3 shell would: no foreign keys), with 0019's guard on notices'
// commune dropped and put back: the rows are as a program left them before
// the schema refused such an UPDATE, or went around it.
func aroundCommuneGuard(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var def sql.NullString
	err = tx.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'notices_commune_update'`).Scan(&def)
	if err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	if def.Valid {
		if _, err := tx.Exec(`DROP TRIGGER notices_commune_update`); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range stmts {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if def.Valid {
		if _, err := tx.Exec(def.String); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestNoticeOfNoCommuneIsSetAside is probe 6's F4: a notice whose
// commune_id another program changed to the id of no commune made every
// poll cycle fail ("set notice 40 aside: append audit notice.set_aside:
// FOREIGN KEY constraint failed"), /healthz failing and the other notices
// held up. It is set aside with the bad value in its reason, its audit
// entry goes to the commune its code names (or to none), every cycle
// succeeds and the other notices go out in the same cycle.
func TestNoticeOfNoCommuneIsSetAside(t *testing.T) {
	p := newProvinceRig(t, "")
	aroundCommuneGuard(t, p.store.Path(),
		`INSERT INTO notices (title, body, status, commune, targets, approved_at)
			VALUES ('Sửa commune_id', 'Tin xã B sửa commune_id', 'approved', 'xa-b', 'ap-1', '2026-11-27 01:00:00')`,
		`UPDATE notices SET commune_id = 999 WHERE title = 'Sửa commune_id'`,
		`INSERT INTO notices (title, body, status, commune, approved_at)
			VALUES ('Sửa cả hai', 'Tin xã C sửa cả mã', 'approved', 'xa-c', '2026-11-27 01:00:00')`,
		`UPDATE notices SET commune = 'xa-khong-co', commune_id = 998 WHERE title = 'Sửa cả hai'`)
	p.notice(notices.Notice{Title: "Họp xã B", Commune: "xa-b"})
	p.notice(notices.Notice{Title: "Khẩn toàn tỉnh", Commune: notices.Province, Priority: notices.Urgent})

	for i := range 3 {
		if _, err := p.runner.RunOnce(p.ctx, p.clock.Now()); err != nil {
			t.Fatalf("cycle %d = %v; want the bad rows set aside and the cycle to succeed", i+1, err)
		}
		if _, err := p.runner.Drain(p.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.sent("Họp xã B"); len(got) != 2 {
		t.Errorf("xa-b's good notice reached %d groups; want its 2", len(got))
	}
	if got := p.sent("Khẩn toàn tỉnh"); len(got) != 6 {
		t.Errorf("the province notice reached %d groups; want all 6", len(got))
	}
	for _, title := range []string{"Sửa commune_id", "Sửa cả hai"} {
		if got := p.sent(title); len(got) != 0 {
			t.Errorf("%q reached %v; want nothing sent", title, got)
		}
	}

	aside, err := p.store.SetAsideNotices(p.ctx)
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]notices.SetAsideNotice{}
	for _, a := range aside {
		byTitle[a.Title] = a
	}
	for title, want := range map[string][]string{
		"Sửa commune_id": {"commune_id", "999", `"xa-b"`},
		"Sửa cả hai":     {"commune_id", "998", `"xa-khong-co"`},
	} {
		a, ok := byTitle[title]
		if !ok {
			t.Errorf("%q is not set aside: %+v", title, aside)
			continue
		}
		for _, w := range want {
			if !strings.Contains(a.Reason, w) {
				t.Errorf("reason of %q = %q; want it to name %s", title, a.Reason, w)
			}
		}
		// Its audit entry: of the commune its code names, else the province's.
		es, err := p.store.Audit(p.ctx, notices.AuditFilter{NoticeID: a.ID, Action: "notice.set_aside"})
		if err != nil || len(es) != 1 {
			t.Fatalf("audit of %q = %+v, %v; want one notice.set_aside", title, es, err)
		}
		if wantCommune := map[string]int64{"Sửa commune_id": p.commune["xa-b"]}[title]; es[0].CommuneID != wantCommune {
			t.Errorf("the set_aside entry of %q belongs to commune %d; want %d", title, es[0].CommuneID, wantCommune)
		}
	}
	if len(aside) != 2 {
		t.Errorf("set aside: %+v; want the two bad rows only", aside)
	}
	h := p.runner.Health(p.ctx)
	if h.Status == schedule.HealthFailing || len(h.SetAside) != 2 {
		t.Errorf("health = %s with %d set aside (%q); want not failing, both named", h.Status, len(h.SetAside), h.Problems)
	}
	// Each is logged once, not every cycle.
	if n := strings.Count(p.logs.String(), "notice set aside"); n != 2 {
		t.Errorf("logged %d times %q; want once for each of the 2", n, "notice set aside")
	}
}
