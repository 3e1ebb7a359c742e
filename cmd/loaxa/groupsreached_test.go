package main

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// TestGroupFactsCatchUpOnASend: a message Zalo takes for a group ends its
// "gone" alarm (on /healthz, which names the hamlet's commune) and has a
// check that got no answer (made before the commune was connected) made
// again, so that `hamlet list` no longer shows the old reason.
func TestGroupFactsCatchUpOnASend(t *testing.T) {
	sim := zalosimtest.New(t)
	g := sim.Groups()
	c := simCLI(t, sim)
	_, _, stop := c.serve() // stores the refresh token
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", g[0].ID)
	c.ok("hamlet", "add", "--name", "Khóm 2", "--group-id", g[1].ID)
	// Both were last tried just now: Khóm 1's try got no answer, and
	// Khóm 2's group was found gone by a send refused with -403.
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	for _, q := range []string{
		`UPDATE group_facts SET checked_at = NULL, check_error = 'Chưa kết nối Zalo OA', tried_at = ?1 WHERE group_id = ?2`,
		`UPDATE group_facts SET gone_at = ?1, gone_reason = 'Zalo từ chối gửi tin: OA không ở trong nhóm (lỗi -403)' WHERE group_id = ?3`,
	} {
		if _, err := db.Exec(q, now, g[0].ID, g[1].ID); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	list := c.ok("hamlet", "list")
	for _, want := range []string{"chưa kiểm tra được (lần thử lúc ", "OA không còn trong nhóm"} {
		if !strings.Contains(list, want) {
			t.Fatalf("hamlet list before any send lacks %q:\n%s", want, list)
		}
	}

	base, _, stop := c.serve()
	defer stop()
	h := getHealth(t, base)
	if len(h.Groups) != 1 || h.Groups[0].Kind != "gone" || h.Groups[0].Hamlet != "khom-2" || h.Groups[0].Commune == "" {
		t.Errorf("/healthz groups = %+v; want khom-2 gone, with its commune", h.Groups)
	}
	c.ok("notice", "add", "--title", "Họp dân", "--body", "Mời bà con dự họp.", "--approve")
	waitFor(t, "the notice in both groups", func() bool { return len(countText(sim, "Họp dân")) == 2 })
	waitFor(t, "the gone alarm to end", func() bool { return len(getHealth(t, base).Groups) == 0 })
	waitFor(t, "Khóm 1's group checked again", func() bool {
		return !strings.Contains(c.ok("hamlet", "list"), "chưa kiểm tra được")
	})
	if h := getHealth(t, base); h.Status != "ok" {
		t.Errorf("/healthz after the send = %+v; want ok", h)
	}
}

// TestHamletAddOfAnotherCommunesGroup: in a province, a group id that is
// another commune's hamlet's is refused by naming that hamlet and
// commune, not as Zalo's -403 to this commune's OA; and the sync command
// a -403 suggests carries --commune.
func TestHamletAddOfAnotherCommunesGroup(t *testing.T) {
	c, _, oas := provinceCLI(t, 1)
	_, errOut, code := c.run("", "hamlet", "add", "--commune", "xa-a", "--name", "Ấp trùng nhóm", "--code", "ap-8",
		"--group-id", oas[1].Groups[0].ID)
	if code != 1 || !strings.Contains(errOut, "Ấp 1 (ap-1) của UBND xã B (xa-b)") || strings.Contains(errOut, "-403") {
		t.Errorf("hamlet add of xa-b's group into xa-a = %d %q; want it refused naming xa-b's Ấp 1", code, errOut)
	}
	csv := writeFile(t, "a.csv", "code,name,group_id\nap-8,Ấp trùng nhóm,"+oas[1].Groups[0].ID+"\n")
	if _, errOut, code := c.run("", "hamlet", "import", "--commune", "xa-a", csv); code != 1 ||
		!strings.Contains(errOut, "UBND xã B (xa-b)") || strings.Contains(errOut, "-403") {
		t.Errorf("hamlet import of xa-b's group into xa-a = %d %q; want it refused naming xa-b's Ấp 1", code, errOut)
	}
	_, errOut, code = c.run("", "hamlet", "add", "--commune", "xa-a", "--name", "Ấp Ma", "--group-id", "98765432109876543210")
	if code != 1 || !strings.Contains(errOut, "-403") || !strings.Contains(errOut, "«loaxa hamlet sync --commune xa-a»") {
		t.Errorf("hamlet add of a made-up group = %d %q; want -403 and the sync command with --commune", code, errOut)
	}
}
