package main

import (
	"database/sql"
	"strings"
	"testing"
)

// TestNoticeShowSaysItAsTheSite: «Gửi tới» names the hamlets, as the
// site's notice page does, and a recurrence is said in words, with its
// cron line apart as a technical detail.
func TestNoticeShowSaysItAsTheSite(t *testing.T) {
	c := newCLI(t)
	c.setup() // Khóm 1 (khom-1), Ấp Đông Hòa (ap-dong-hoa)
	c.ok("notice", "add", "--title", "Thu gom rác", "--body", "Sáng thứ Hai.", "--hamlets", "khom-1,ap-dong-hoa", "--cron", "0 7 * * 1")
	out := c.ok("notice", "show", "1")
	for _, want := range []string{
		"\n  Gửi tới:         Khóm 1, Ấp Đông Hòa\n",
		"\n  Lặp lại:         Thứ Hai hằng tuần, 07:00\n                   chi tiết kỹ thuật: lịch cron 0 7 * * 1 (giờ của xã)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("notice show lacks %q:\n%s", want, out)
		}
	}
	c.ok("notice", "add", "--title", "Họp", "--body", "Tối nay.")
	if out := c.ok("notice", "show", "2"); !strings.Contains(out, "Gửi tới:         tất cả thôn/ấp đang hoạt động\n") {
		t.Errorf("notice show of a notice to every hamlet:\n%s", out)
	}

	// With several communes: whose hamlets, and a province notice's communes by name.
	c = newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã A"
	c.ok("commune", "add", "--code", "xa-b", "--name", "UBND xã B")
	c.ok("hamlet", "add", "--commune", "xa-a", "--name", "Ấp 1", "--group-id", "g-a1")
	c.ok("hamlet", "add", "--commune", "xa-b", "--name", "Ấp 1", "--group-id", "g-b1")
	c.ok("notice", "add", "--communes", "xa-a", "--hamlets", "xa-b/ap-1", "--title", "Xâm nhập mặn", "--body", "Trữ nước ngọt.")
	c.ok("notice", "add", "--commune", "xa-b", "--title", "Họp", "--body", "Tối nay.")
	for _, tc := range []struct{ scope, id, want string }{
		{"--province", "1", "Gửi tới:         UBND xã A (mọi thôn/ấp), Ấp 1 (UBND xã B)\n"},
		{"--commune=xa-b", "2", "Gửi tới:         tất cả thôn/ấp đang hoạt động của UBND xã B\n"},
	} {
		if out := c.ok("notice", "show", tc.scope, tc.id); !strings.Contains(out, tc.want) {
			t.Errorf("notice show %s %s lacks %q:\n%s", tc.scope, tc.id, tc.want, out)
		}
	}
}

// TestNoticeListColumnsLineUp: a long status («chưa gửi được, 2 ấp lỗi»)
// or recurrence does not push the columns after it out of line.
func TestNoticeListColumnsLineUp(t *testing.T) {
	c := newCLI(t)
	c.setup()
	c.ok("notice", "add", "--title", "Cúp điện", "--body", "Sáng mai.", "--approve")
	c.ok("notice", "add", "--title", "Thu gom rác", "--body", "Sáng thứ Hai.", "--cron", "0 7 * * 1")
	c.ok("notice", "add", "--title", "Họp", "--body", "Tối nay.")
	// Both hamlets' messages of notice 1 failed, as the daemon records it.
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`INSERT INTO occurrences (notice_id, due_at) VALUES (1, '2026-11-27 01:00:00')`)
	if err != nil {
		t.Fatal(err)
	}
	occ, _ := res.LastInsertId()
	if _, err := db.Exec(`INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id, body, status, due_at,
		next_attempt_at, error_code, error) SELECT 1, ?, id, group_id, 'x', 'failed', '2026-11-27 01:00:00',
		'2026-11-27 01:00:00', -201, 'Zalo từ chối' FROM hamlets`, occ); err != nil {
		t.Fatal(err)
	}
	out := c.ok("notice", "list")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	at := func(line, cell string) int {
		i := strings.Index(line, cell)
		if i < 0 {
			return -1
		}
		return len([]rune(line[:i]))
	}
	col := at(lines[0], "TIÊU ĐỀ")
	for _, tc := range []struct{ title, status string }{
		{"Cúp điện", "chưa gửi được, 2 ấp lỗi"}, {"Thu gom rác", "chờ duyệt"}, {"Họp", "chờ duyệt"},
	} {
		var line string
		for _, l := range lines[1:] {
			if strings.HasSuffix(l, tc.title) {
				line = l
			}
		}
		if !strings.Contains(line, tc.status) || at(line, tc.title) != col {
			t.Errorf("notice %q is not in line with the header (title at %d, header at %d), or lacks %q:\n%s",
				tc.title, at(line, tc.title), col, tc.status, out)
		}
	}
}

// TestNoticeShowNamesHamletsWithTheirCommune: a province notice reaches
// every commune's ap-1; `notice show` names each with its commune
// (commune/hamlet), as --hamlets names it.
func TestNoticeShowNamesHamletsWithTheirCommune(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã A"
	c.ok("commune", "add", "--code", "xa-b", "--name", "UBND xã B")
	c.ok("hamlet", "add", "--commune", "xa-a", "--name", "Ấp 1", "--group-id", "g-a1")
	c.ok("hamlet", "add", "--commune", "xa-b", "--name", "Ấp 1", "--group-id", "g-b1")
	c.ok("notice", "add", "--communes", "all", "--title", "Lũ", "--body", "Nước lên.", "--approve")
	for _, scope := range []string{"--province"} {
		out := c.ok("notice", "show", scope, "1")
		_, status, _ := strings.Cut(out, "Tình trạng gửi:\n")
		for _, want := range []string{"\n  xa-a/ap-1 ", "\n  xa-b/ap-1 "} {
			if !strings.Contains("\n"+status, want) {
				t.Errorf("notice show %s 1 lacks a line for %q:\n%s", scope, strings.TrimSpace(want), out)
			}
		}
	}
}

// TestNoticeAddCustomCronWords: a cron line with no words is «theo lịch
// riêng», the word «lịch» once.
func TestNoticeAddCustomCronWords(t *testing.T) {
	c := newCLI(t)
	c.setup()
	out := c.ok("notice", "add", "--title", "Thử", "--body", "Mỗi phút.", "--cron", "* * * * *", "--approve")
	if !strings.Contains(out, `theo lịch riêng, cron "* * * * *"`) || strings.Contains(out, "lịch lịch") {
		t.Errorf("notice add --cron '* * * * *' says:\n%s", out)
	}
}
