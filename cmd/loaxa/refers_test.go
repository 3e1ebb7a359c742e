package main

import (
	"database/sql"
	"strings"
	"testing"
)

// TestCorrectionOfUnpublishedRefused: `notice add --kind update|cancel`
// may only refer to a notice that went out: reached a group (issue 13).
func TestCorrectionOfUnpublishedRefused(t *testing.T) {
	c := newCLI(t)
	c.setup()
	c.ok("notice", "add", "--title", "Chưa duyệt", "--body", "Nội dung.")                                        // 1, pending
	c.ok("notice", "add", "--title", "Đã duyệt", "--body", "Nội dung.", "--approve", "--at", "2030-12-01 07:00") // 2
	for _, kind := range []string{"update", "cancel"} {
		_, errOut, code := c.run("", "notice", "add", "--title", "Đính chính", "--body", "x", "--kind", kind, "--refers-to", "1")
		if code != 1 || !strings.Contains(errOut, "chưa từng được duyệt") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s of a pending notice: exit %d, %q; want 1 and one line saying it never went out", kind, code, errOut)
		}
	}
	// Approved for 2030: no group has it yet.
	for kind, want := range map[string]string{"update": "chưa thể đính chính", "cancel": "loaxa notice cancel 2"} {
		_, errOut, code := c.run("", "notice", "add", "--title", "Đính chính", "--body", "x", "--kind", kind, "--refers-to", "2")
		if code != 1 || !strings.Contains(errOut, "chưa được gửi tới nhóm nào") || !strings.Contains(errOut, want) {
			t.Errorf("%s of an approved, unsent notice: exit %d, %q; want 1 saying %q", kind, code, errOut, want)
		}
	}
	markSent(t, c.db, 2)
	c.ok("notice", "add", "--title", "Đính chính", "--body", "x", "--kind", "update", "--refers-to", "2")
}

// markSent records, as the daemon would, that notice id reached the first
// hamlet's group.
func markSent(t *testing.T, path string, id int64) {
	t.Helper()
	db, err := sql.Open("sqlite3", path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`INSERT INTO occurrences (notice_id, due_at) VALUES (?, '2026-11-27 01:00:00')`, id)
	if err != nil {
		t.Fatal(err)
	}
	occ, _ := res.LastInsertId()
	if _, err := db.Exec(`INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id, body, status, due_at,
		next_attempt_at, sent_at, message_id) SELECT ?, ?, id, group_id, 'x', 'sent', '2026-11-27 01:00:00',
		'2026-11-27 01:00:00', '2026-11-27 01:00:05', 'm' || ? FROM hamlets ORDER BY id LIMIT 1`, id, occ, id); err != nil {
		t.Fatal(err)
	}
}
