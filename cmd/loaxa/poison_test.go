package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// writeAroundTheSchema inserts rows as another program could before
// 0002_refusals.sql (or by going around it): on its own connection, with
// the refusing and normalising triggers dropped for the transaction and
// put back. It returns the new ids in order.
func writeAroundTheSchema(t *testing.T, path string, rows ...string) []int64 {
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
		err := tx.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`, name).Scan(&def)
		if errors.Is(err, sql.ErrNoRows) {
			continue // a schema without the trigger takes the row as it is
		} else if err != nil {
			t.Fatal(err)
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

// TestServeSetsPoisonRowsAsideAndGoesOn is issue 10's "one bad external
// row stops all sending", end to end, for each row of the issue: `loaxa
// serve` against the simulator, the row written around the schema while it
// runs, then a normal and an urgent notice from another program. Both
// arrive within seconds, the poison row is set aside and named by
// /healthz, and staff can read and cancel it from the CLI.
func TestServeSetsPoisonRowsAsideAndGoesOn(t *testing.T) {
	for _, tc := range []struct{ name, title, insert, reason string }{
		{"duplicate target", "Mã thôn lặp",
			`INSERT INTO notices (title, body, status, targets) VALUES ('Mã thôn lặp', 'Một mã hai lần.', 'approved', 'khom-1,khom-2,khom-1')`,
			`cột targets ghi mã thôn/ấp "khom-1" hai lần`},
		{"created_at in another form", "Giờ tạo khác dạng",
			`INSERT INTO notices (title, body, status, created_at) VALUES ('Giờ tạo khác dạng', 'Có múi giờ.', 'approved', '2026-12-01T08:00:00+07:00')`,
			`cột created_at có giá trị "2026-12-01T08:00:00+07:00"`},
		{"approved_at in words", "Duyệt hôm qua",
			`INSERT INTO notices (title, body, status, approved_at) VALUES ('Duyệt hôm qua', 'Giờ duyệt bằng chữ.', 'approved', 'hôm qua')`,
			`cột approved_at có giá trị "hôm qua"`},
		{"NUL hiding a long body", "Nội dung có NUL",
			`INSERT INTO notices (title, body, status) VALUES ('Nội dung có NUL', 'A' || char(0) || printf('%.*c', 60000, 'x'), 'approved')`,
			"cột body chứa ký tự NUL"},
	} {
		t.Run(tc.name, func(t *testing.T) { servePoison(t, tc.title, tc.insert, tc.reason) })
	}
}

func servePoison(t *testing.T, title, insert, reason string) {
	sim := zalosimtest.New(t)
	groups := sim.Groups()
	c := simCLI(t, sim)
	for i, g := range groups {
		c.ok("hamlet", "add", "--name", fmt.Sprintf("Khóm %d", i+1), "--group-id", g.ID)
	}
	base, log, _ := c.serve()
	id := writeAroundTheSchema(t, c.db, insert)[0]
	time.Sleep(300 * time.Millisecond) // a few poll cycles meet the poison row first

	db, err := sql.Open("sqlite3", c.db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	began := time.Now()
	if _, err := db.Exec(`INSERT INTO notices (title, body, status) VALUES ('Họp tổ dân phố', 'Tối thứ Sáu, 19 giờ.', 'approved')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO notices (title, body, status, priority) VALUES ('Triều cường khẩn', 'Kê cao đồ đạc ngay.', 'approved', 'urgent')`); err != nil {
		t.Fatal(err)
	}
	deadline := began.Add(5 * time.Second)
	for len(countText(sim, "Họp tổ dân phố")) < len(groups) || len(countText(sim, "Triều cường khẩn")) < len(groups) {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the normal notice reached %d groups and the urgent one %d; want all %d\n%s",
				len(countText(sim, "Họp tổ dân phố")), len(countText(sim, "Triều cường khẩn")), len(groups), log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("normal and urgent notices in every group %v after they were inserted, behind the poison row",
		time.Since(began).Round(time.Millisecond))
	if n := len(countText(sim, title)); n != 0 {
		t.Errorf("poison row %q reached %d groups; want 0", title, n)
	}

	// /healthz names it, degraded but answering 200.
	var h struct {
		Status   string   `json:"status"`
		Problems []string `json:"problems"`
		SetAside []struct {
			ID     int64  `json:"id"`
			Reason string `json:"reason"`
		} `json:"set_aside"`
	}
	var code int
	var raw []byte
	waitFor(t, "/healthz to name the notice set aside", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		code = resp.StatusCode
		raw, _ = io.ReadAll(resp.Body)
		return json.Unmarshal(raw, &h) == nil && len(h.SetAside) == 1
	})
	if code != http.StatusOK || h.Status != "degraded" || h.SetAside[0].ID != id || !strings.Contains(h.SetAside[0].Reason, reason) ||
		!strings.Contains(strings.Join(h.Problems, "\n"), "notice "+strconv.FormatInt(id, 10)+" ") {
		t.Errorf("/healthz = %d:\n%s\nwant 200, degraded, notice %d set aside with %q", code, raw, id, reason)
	}
	if n := strings.Count(log.String(), `"message":"notice set aside`); n != 1 {
		t.Errorf("the log says %d times that a notice was set aside; want once", n)
	}

	// The CLI reads it, and cancels it.
	list := c.ok("notice", "list")
	if !strings.Contains(list, "[HỎNG] "+title) || !strings.Contains(list, "Họp tổ dân phố") {
		t.Errorf("notice list =\n%s\nwant %q marked [HỎNG] beside the good ones", list, title)
	}
	show := c.ok("notice", "show", strconv.FormatInt(id, 10))
	if !strings.Contains(show, "Thông báo hỏng: "+reason) {
		t.Errorf("notice show %d =\n%s\nwant Thông báo hỏng: %s", id, show, reason)
	}
	c.ok("notice", "cancel", strconv.FormatInt(id, 10), "--reason", "hỏng")
	waitFor(t, "/healthz to be ok once the damaged notice is cancelled", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		raw, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK && json.Unmarshal(raw, &h) == nil && h.Status == "ok"
	})
}
