package main

import (
	"database/sql"
	"strings"
	"testing"
)

// TestNoticePauseResumeSubmitAndTemplates: the CLI pauses and resumes a
// recurring notice (refusing what cannot be), says the schedule in plain
// words, sends a draft for approval, and lists the templates.
func TestNoticePauseResumeSubmitAndTemplates(t *testing.T) {
	c := newCLI(t)
	c.setup()
	c.ok("notice", "add", "--title", "Thu gom rác", "--body", "Để rác trước cửa.", "--cron", "0 7 * * 1", "--approve")
	out := c.ok("notice", "show", "1")
	if !strings.Contains(out, "Lặp lại:         Thứ Hai hằng tuần, 07:00\n") || !strings.Contains(out, "lịch cron 0 7 * * 1 (giờ của xã)") {
		t.Errorf("notice show does not say the schedule in words:\n%s", out)
	}
	if out := c.ok("notice", "pause", "1", "--as", "lan"); !strings.HasPrefix(out, "Đã tạm dừng thông báo số 1;") {
		t.Errorf("notice pause = %q", out)
	}
	if out := c.ok("notice", "show", "1"); !strings.Contains(out, "Tạm dừng:") || !strings.Contains(out, "(lan)") {
		t.Errorf("notice show of a paused notice:\n%s", out)
	}
	if _, errOut, code := c.run("", "notice", "pause", "1"); code != 1 || !strings.Contains(errOut, "đang tạm dừng rồi") {
		t.Errorf("pause twice: exit %d, %q", code, errOut)
	}
	if out := c.ok("notice", "resume", "1"); !strings.Contains(out, "Đã cho thông báo số 1 tiếp tục") || !strings.Contains(out, "Thứ Hai hằng tuần") {
		t.Errorf("notice resume = %q", out)
	}
	if _, errOut, code := c.run("", "notice", "resume", "1"); code != 1 || !strings.Contains(errOut, "không đang tạm dừng") {
		t.Errorf("resume twice: exit %d, %q", code, errOut)
	}
	c.ok("notice", "add", "--title", "Một lần", "--body", "b", "--approve")
	if _, errOut, code := c.run("", "notice", "pause", "2"); code != 1 || !strings.Contains(errOut, "không lặp lại") {
		t.Errorf("pause a one-off: exit %d, %q", code, errOut)
	}
	if _, errOut, code := c.run("", "notice", "pause", "99"); code != 1 || !strings.Contains(errOut, "không có thông báo số 99") {
		t.Errorf("pause 99: exit %d, %q", code, errOut)
	}

	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO notices (title, body, status) VALUES ('Nháp từ SQL', 'b', 'draft')`); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("notice", "submit", "3"); !strings.Contains(out, "Đã gửi thông báo số 3 đi chờ duyệt") {
		t.Errorf("notice submit = %q", out)
	}
	var status string
	db.QueryRow(`SELECT status FROM notices WHERE id = 3`).Scan(&status)
	if status != "pending" {
		t.Errorf("after submit: %s", status)
	}
	if _, errOut, code := c.run("", "notice", "submit", "3"); code != 1 || !strings.Contains(errOut, "chỉ gửi duyệt được bản nháp") {
		t.Errorf("submit a pending notice: exit %d, %q", code, errOut)
	}

	// Edit: a rejected notice, resubmitted with a new title; an approved one is refused.
	c.ok("notice", "add", "--title", "Họp dân", "--body", "Tối nay.")
	if _, err := db.Exec(`UPDATE notices SET status = 'rejected', reason = 'Ghi rõ giờ' WHERE id = 4`); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("notice", "edit", "4", "--title", "Họp dân lúc 19 giờ", "--draft"); !strings.Contains(out, "bản nháp") {
		t.Errorf("notice edit --draft = %q", out)
	}
	var title, reason string
	db.QueryRow(`SELECT title, status, reason FROM notices WHERE id = 4`).Scan(&title, &status, &reason)
	if title != "Họp dân lúc 19 giờ" || status != "draft" || reason != "Ghi rõ giờ" {
		t.Errorf("after edit --draft: %q %s %q", title, status, reason)
	}
	if out := c.ok("notice", "edit", "4", "--body", "Tối nay lúc 19 giờ tại nhà văn hóa."); !strings.Contains(out, "gửi đi chờ duyệt") {
		t.Errorf("notice edit = %q", out)
	}
	db.QueryRow(`SELECT title, status, reason FROM notices WHERE id = 4`).Scan(&title, &status, &reason)
	if title != "Họp dân lúc 19 giờ" || status != "pending" || reason != "" {
		t.Errorf("after edit: %q %s %q", title, status, reason)
	}
	if _, errOut, code := c.run("", "notice", "edit", "1", "--title", "x"); code != 1 || !strings.Contains(errOut, "không sửa được") {
		t.Errorf("edit an approved notice: exit %d, %q", code, errOut)
	}
	if _, errOut, code := c.run("", "notice", "edit", "4", "--title", " "); code != 1 || !strings.Contains(errOut, "Tiêu đề") {
		t.Errorf("edit with an empty title: exit %d, %q", code, errOut)
	}

	out = c.ok("template", "list")
	for _, name := range []string{"Cắt điện", "Họp dân", "Tiêm chủng", "Thu gom rác"} {
		if !strings.Contains(out, name) {
			t.Errorf("template list lacks %q:\n%s", name, out)
		}
	}
	// Priorities and categories in the words notice list uses, never the stored codes.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "Thu gom rác") && (!strings.Contains(line, "  thấp  ") || !strings.Contains(line, "Môi trường")) {
			t.Errorf("template list's Thu gom rác line %q; want «Môi trường» and «thấp»", line)
		}
	}
	if strings.Contains(out, "normal") || strings.Contains(out, "low") || strings.Contains(out, "dien-nuoc") {
		t.Errorf("template list shows stored codes:\n%s", out)
	}
}
