package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// insertUnchecked writes rows as another program could before
// 0002_refusals.sql, with its refusing and normalising triggers dropped
// (and put back), and returns their ids in order.
func insertUnchecked(t *testing.T, path string, rows ...string) []int64 {
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
	var triggers []string
	for _, name := range []string{"notices_refuse_insert", "notices_more_times_insert"} {
		var def string
		if err := tx.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`, name).Scan(&def); err != nil {
			t.Fatalf("trigger %s: %v", name, err)
		}
		triggers = append(triggers, def)
		if _, err := tx.Exec(`DROP TRIGGER ` + name); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	for _, q := range rows {
		res, err := tx.Exec(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		id, _ := res.LastInsertId()
		ids = append(ids, id)
	}
	for _, def := range triggers {
		if _, err := tx.Exec(def); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestDamagedNoticesAreShownAndCanBeStopped: rows that cannot be read do
// not take the dashboard, the list or their own page down; each is shown
// as damaged with its reason, and can be stopped from the site.
func TestDamagedNoticesAreShownAndCanBeStopped(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	good := s.notice(notices.Notice{Title: "Họp dân lành lặn", Author: "tacgia"})
	ids := insertUnchecked(t, s.store.Path(),
		`INSERT INTO notices (title, body, status, approved_at) VALUES ('Duyệt hôm qua', 'x', 'approved', 'hôm qua')`,
		`INSERT INTO notices (title, body, status, targets) VALUES ('Mã lặp', 'x', 'pending', 'khom-1,khom-2,khom-1')`,
		`INSERT INTO notices (title, body, status, created_at) VALUES ('Giờ tạo lạ', 'x', 'approved', '2026-12-01T08:00:00+07:00')`,
		`INSERT INTO notices (title, body, status) VALUES ('Có NUL', 'A' || char(0) || printf('%.*c', 60000, 'x'), 'approved')`)
	if _, err := s.store.SetAside(ctx, ids[3], "cột body chứa ký tự NUL (mã 0)"); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn("duyet")

	resp, body := b.get("/dashboard")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/dashboard with damaged rows = %d; want 200:\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{good.Title, "Duyệt hôm qua", "Thông báo hỏng: cột approved_at có giá trị &#34;hôm qua&#34;",
		"Mã lặp", "Thông báo hỏng: cột targets ghi mã thôn/ấp &#34;khom-1&#34; hai lần", "Giờ tạo lạ",
		"Thông báo hỏng: cột body chứa ký tự NUL (mã 0)", `action="/notices/` + strconv.FormatInt(ids[0], 10) + `/cancel"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/dashboard lacks %q", want)
		}
	}
	resp, body = b.get("/notices")
	if resp.StatusCode != http.StatusOK || strings.Count(body, "Thông báo hỏng: ") != 4 || !strings.Contains(body, good.Title) {
		t.Errorf("/notices = %d with %d damaged rows shown; want 200, the good one and 4 damaged:\n%s",
			resp.StatusCode, strings.Count(body, "Thông báo hỏng: "), body)
	}
	for i, id := range ids {
		resp, body := b.get("/notices/" + strconv.FormatInt(id, 10))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Thông báo hỏng: ") ||
			!strings.Contains(body, "Dừng thông báo") {
			t.Errorf("/notices/%d = %d; want 200 with the damage and the stop button:\n%s", id, resp.StatusCode, body)
		}
		if i == 1 && strings.Contains(body, "Duyệt và cho gửi") {
			t.Errorf("a damaged pending notice offers to approve it")
		}
	}

	for _, id := range ids {
		resp, body := b.post("/notices/"+strconv.FormatInt(id, 10)+"/cancel", url.Values{"reason": {"hỏng"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("stop notice %d = %d; want 303:\n%s", id, resp.StatusCode, body)
		}
		n, err := s.store.Notice(ctx, id)
		if err != nil || n.Status != notices.StatusCancelled {
			t.Errorf("notice %d after stop = %+v, %v; want cancelled", id, n, err)
		}
	}
	if _, body := b.get("/dashboard"); strings.Contains(body, "Thông báo hỏng") {
		t.Errorf("the dashboard still lists damaged notices once they are stopped")
	}
}
