package main

import (
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// TestCommuneSingle: with one commune every command works as before,
// without --commune, and the commune is the one LOAXA_COMMUNE names.
func TestCommuneSingle(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú"
	c.setup()
	out := c.ok("commune", "list")
	if !strings.Contains(out, "xa-an-phu") || !strings.Contains(out, "UBND xã An Phú") || !strings.Contains(out, "2") ||
		strings.Contains(out, "Lưu ý") {
		t.Errorf("commune list =\n%s", out)
	}
	c.ok("notice", "add", "--title", "Họp", "--body", "Tối nay", "--hamlets", "khom-1", "--approve", "--as", "lan")
	if out := c.ok("notice", "show", "1"); strings.Contains(out, "Thuộc") {
		t.Errorf("notice show names the commune with only one:\n%s", out)
	}
	c.ok("notice", "list")
	c.ok("hamlet", "list")
	c.run("mot-cau-mat-khau-dai\n", "user", "add", "--name", "lan", "--role", "editor")
	if out := c.ok("user", "list"); !strings.Contains(out, "lan") {
		t.Errorf("user list =\n%s", out)
	}
	// Flags naming the only commune are accepted, and checked.
	c.ok("notice", "show", "1", "--commune", "xa-an-phu")
	if _, errOut, code := c.run("", "notice", "show", "1", "--province"); code != 1 || !strings.Contains(errOut, "thuộc UBND xã An Phú (xa-an-phu)") {
		t.Errorf("notice show 1 --province = %d %q; want it refused: the notice is the commune's", code, errOut)
	}
	// Renaming LOAXA_COMMUNE later: commune list says the footer follows it.
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú Mới"
	if out := c.ok("commune", "list"); !strings.Contains(out, "Lưu ý") {
		t.Errorf("commune list after LOAXA_COMMUNE changed does not say which name signs:\n%s", out)
	}
}

// TestCommuneProvince: with two communes, hamlet, notice, user and zalo
// commands need --commune (exit 2 without), and each commune's data stays
// its own.
func TestCommuneProvince(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú"
	c.setup() // khom-1, ap-dong-hoa in xa-an-phu
	out := c.ok("commune", "add", "--code", "xa-phu-hoa", "--name", "UBND xã Phú Hòa", "--rate-per-min", "100")
	if !strings.Contains(out, "--commune") {
		t.Errorf("commune add of the second commune does not say --commune is now needed:\n%s", out)
	}
	if _, errOut, code := c.run("", "commune", "add", "--code", "xa-phu-hoa", "--name", "Khác"); code != 1 || !strings.Contains(errOut, "đã có") {
		t.Errorf("commune add of a code in use = %d %q", code, errOut)
	}
	if _, errOut, code := c.run("", "commune", "add", "--code", "Xã Hòa", "--name", "X"); code != 1 || !strings.Contains(errOut, "--code") {
		t.Errorf("commune add of a bad code = %d %q", code, errOut)
	}
	before := c.counts()
	for _, args := range [][]string{
		{"hamlet", "add", "--name", "Khóm 1", "--group-id", "grp-ph-1"},
		{"hamlet", "list"},
		{"notice", "add", "--title", "Họp", "--body", "b"},
		{"notice", "list"},
		{"notice", "show", "1"},
		{"user", "list"},
		{"zalo", "status"},
		{"hamlet", "sync"},
	} {
		_, errOut, code := c.run("", args...)
		if code != 2 || !strings.Contains(errOut, "--commune") || !strings.Contains(errOut, "xa-an-phu, xa-phu-hoa") {
			t.Errorf("loaxa %s with two communes = exit %d %q; want 2 naming --commune and the communes", strings.Join(args, " "), code, errOut)
		}
	}
	if _, errOut, code := c.run("mot-cau-mat-khau-dai\n", "user", "add", "--name", "lan", "--role", "editor"); code != 2 {
		t.Errorf("user add without --commune = %d %q; want 2", code, errOut)
	}
	if after := c.counts(); after["hamlets"] != before["hamlets"] || after["notices"] != before["notices"] || after["users"] != before["users"] {
		t.Errorf("refused commands wrote rows: %v → %v", before, after)
	}
	// The same hamlet code in another commune.
	c.ok("hamlet", "add", "--commune", "xa-phu-hoa", "--name", "Khóm 1", "--group-id", "grp-ph-1")
	if _, errOut, code := c.run("", "hamlet", "add", "--commune", "xa-phu-hoa", "--name", "Khóm 1", "--group-id", "grp-ph-2"); code != 1 ||
		!strings.Contains(errOut, "khom-1") {
		t.Errorf("a second khom-1 in xa-phu-hoa = %d %q; want refused", code, errOut)
	}
	if out := c.ok("hamlet", "list", "--commune", "xa-phu-hoa"); !strings.Contains(out, "grp-ph-1") || strings.Contains(out, "grp-1") {
		t.Errorf("hamlet list --commune xa-phu-hoa =\n%s", out)
	}
	if _, errOut, code := c.run("", "hamlet", "list", "--commune", "xa-khong-co"); code != 1 || !strings.Contains(errOut, "xa-khong-co") {
		t.Errorf("hamlet list of an unknown commune = %d %q", code, errOut)
	}
	// Notices: a commune's names only its hamlets; a province one names communes and commune/hamlet.
	if _, errOut, code := c.run("", "notice", "add", "--commune", "xa-phu-hoa", "--title", "Họp", "--body", "b", "--hamlets", "ap-dong-hoa"); code != 1 ||
		!strings.Contains(errOut, "ap-dong-hoa") {
		t.Errorf("notice for xa-phu-hoa naming xa-an-phu's hamlet = %d %q; want refused", code, errOut)
	}
	c.ok("notice", "add", "--commune", "xa-phu-hoa", "--title", "Họp", "--body", "b", "--hamlets", "khom-1", "--approve", "--as", "lan")
	c.ok("notice", "add", "--province", "--title", "Lũ", "--body", "Nước lên", "--priority", "urgent",
		"--hamlets", "xa-an-phu,xa-phu-hoa/khom-1", "--approve", "--as", "tinh")
	if _, errOut, code := c.run("", "notice", "add", "--province", "--commune", "xa-an-phu", "--title", "a", "--body", "b"); code != 2 {
		t.Errorf("--province with --commune = %d %q; want 2", code, errOut)
	}
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	db.QueryRow(`SELECT group_concat(coalesce(commune, '?') || ':' || coalesce(commune_id, 0) || ':' || targets, ' ') FROM notices ORDER BY id`).Scan(&got)
	if got != "xa-phu-hoa:2:khom-1 *:0:xa-an-phu,xa-phu-hoa/khom-1" {
		t.Errorf("stored notices = %q", got)
	}
	if out := c.ok("notice", "list", "--province"); !strings.Contains(out, "Lũ") || strings.Contains(out, "Họp") {
		t.Errorf("notice list --province =\n%s", out)
	}
	if out := c.ok("notice", "show", "2", "--province"); !strings.Contains(out, "cấp tỉnh") {
		t.Errorf("notice show 2 --province =\n%s", out)
	}
	if _, errOut, code := c.run("", "notice", "cancel", "1", "--commune", "xa-an-phu"); code != 1 || !strings.Contains(errOut, "thuộc UBND xã Phú Hòa (xa-phu-hoa)") {
		t.Errorf("cancel of xa-phu-hoa's notice as xa-an-phu = %d %q; want refused", code, errOut)
	}
	// Accounts.
	c.ok("user", "add", "--province", "--name", "tinh", "--role", "approver", "--password-file", writeFile(t, "pw", "mot-cau-mat-khau-dai\n"))
	c.ok("user", "add", "--commune", "xa-phu-hoa", "--name", "hoa", "--role", "editor", "--password-file", writeFile(t, "pw2", "mot-cau-mat-khau-dai\n"))
	if out := c.ok("user", "list", "--commune", "xa-phu-hoa"); !strings.Contains(out, "hoa") || strings.Contains(out, "tinh") {
		t.Errorf("user list --commune xa-phu-hoa =\n%s", out)
	}
	if out := c.ok("user", "list", "--province"); !strings.Contains(out, "tinh") || strings.Contains(out, "hoa ") {
		t.Errorf("user list --province =\n%s", out)
	}
	// commune edit, disable, enable.
	c.ok("commune", "edit", "xa-phu-hoa", "--name", "UBND phường Phú Hòa", "--rate-per-min", "0")
	c.ok("commune", "disable", "xa-phu-hoa")
	out = c.ok("commune", "list")
	if !strings.Contains(out, "UBND phường Phú Hòa") || !strings.Contains(out, "đã tắt") || !strings.Contains(out, "chung") {
		t.Errorf("commune list after edit and disable =\n%s", out)
	}
	if _, errOut, code := c.run("", "notice", "add", "--commune", "xa-phu-hoa", "--title", "a", "--body", "b"); code != 1 || !strings.Contains(errOut, "đang tắt") {
		t.Errorf("notice for a disabled commune = %d %q", code, errOut)
	}
	if _, errOut, code := c.run("", "commune", "disable", "xa-an-phu"); code != 1 || !strings.Contains(errOut, "duy nhất") {
		t.Errorf("disabling the last active commune = %d %q; want refused", code, errOut)
	}
	c.ok("commune", "enable", "xa-phu-hoa")
	if _, errOut, code := c.run("", "commune", "edit", "xa-phu-hoa"); code != 2 {
		t.Errorf("commune edit with nothing to change = %d %q; want 2", code, errOut)
	}
	var audits int
	db.QueryRow(`SELECT count(*) FROM audit_log WHERE action LIKE 'commune.%' AND commune_id = 2`).Scan(&audits)
	if audits != 4 {
		t.Errorf("%d audit entries of xa-phu-hoa's commune changes; want 4 (add, edit, disable, enable)", audits)
	}
}

// TestCommuneBinary: the real binary exits 2 when --commune is missing with
// several communes. (`serve` with several communes: province_e2e_test.go.)
func TestCommuneBinary(t *testing.T) {
	bin := buildLoaxa(t)
	c := newCLI(t)
	c.setup()
	c.ok("commune", "add", "--code", "xa-b", "--name", "UBND xã B")
	env := append(os.Environ(), "LOAXA_DB="+c.db, "LOAXA_HTTP_ADDR=127.0.0.1:0")
	cmd := exec.Command(bin, "hamlet", "add", "--name", "Ấp 1", "--group-id", "g-b-1")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "--commune") {
		t.Errorf("hamlet add without --commune: %v %s; want exit 2 naming --commune", err, out)
	}
}

// TestZaloConnectRefreshTokenFile: a script connects a commune's OA with a
// refresh token on stdin; the pair is that commune's alone, and a token
// Zalo refuses is reported.
func TestZaloConnectRefreshTokenFile(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	delete(c.env, "ZALO_REFRESH_TOKEN")
	c.ok("commune", "add", "--code", "xa-b", "--name", "UBND xã B")
	out, errOut, code := c.run(sim.RefreshToken+"\n", "zalo", "connect", "--commune", "xa-b", "--refresh-token-file", "-")
	if code != 0 || !strings.Contains(out, "Đã kết nối OA của UBND xã B (xa-b)") {
		t.Fatalf("zalo connect --refresh-token-file - = %d %q %q", code, out, errOut)
	}
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pairs string
	db.QueryRow(`SELECT group_concat(commune_id || ':' || (refresh_token <> ?) || ':' || (access_token <> ''), ' ') FROM zalo_tokens`,
		sim.RefreshToken).Scan(&pairs)
	if pairs != "2:1:1" {
		t.Errorf("zalo_tokens = %q; want only commune 2's pair, rotated by Zalo (2:1:1)", pairs)
	}
	if got := c.ok("zalo", "status", "--commune", "xa-b"); !strings.Contains(got, "Kết nối tốt") {
		t.Errorf("zalo status --commune xa-b = %q", got)
	}
	if out := c.ok("commune", "list"); !strings.Contains(out, "đã có token") || !strings.Contains(out, "chưa kết nối") {
		t.Errorf("commune list does not tell xa-b's OA (connected) from the first commune's (not):\n%s", out)
	}
	if out, _, code := c.run("", "doctor"); code != 1 || !strings.Contains(out, "UBND xã B (xa-b): đã lưu token OA") ||
		!strings.Contains(out, "OA chưa kết nối; tin của xã này chờ") {
		t.Errorf("doctor with two communes = exit %d:\n%s\nwant each commune's OA: xa-b's stored, the first's not connected", code, out)
	}
	_, errOut, code = c.run("", "zalo", "connect", "--commune", "xa-b", "--refresh-token-file", writeFile(t, "rt", "sai-roi\n"))
	if code != 1 || !strings.Contains(errOut, "Zalo không nhận") {
		t.Errorf("zalo connect with a wrong refresh token = %d %q; want 1 and Zalo's refusal", code, errOut)
	}
	if _, errOut, code := c.run("", "zalo", "connect", "--commune", "xa-b", "--refresh-token-file", "-", "--redirect-uri", "https://x/cb"); code != 2 {
		t.Errorf("both --refresh-token-file and --redirect-uri = %d %q; want 2", code, errOut)
	}
}

// TestNoticeAddCommunes: --communes all|c1,c2 makes a province notice
// (design.md), with --hamlets naming commune/hamlet beside the communes.
func TestNoticeAddCommunes(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã A"
	c.setup()
	c.ok("commune", "add", "--code", "xa-b", "--name", "UBND xã B")
	c.ok("hamlet", "add", "--commune", "xa-b", "--name", "Khóm 1", "--group-id", "grp-b-1")
	c.ok("notice", "add", "--communes", "all", "--title", "Bão", "--body", "b", "--priority", "urgent")
	c.ok("notice", "add", "--communes", "xa-b", "--hamlets", "xa-a/khom-1", "--title", "Mặn", "--body", "b")
	if _, errOut, code := c.run("", "notice", "add", "--communes", "all", "--hamlets", "xa-b/khom-1", "--title", "a", "--body", "b"); code != 2 {
		t.Errorf("--communes all with --hamlets = %d %q; want 2", code, errOut)
	}
	if _, errOut, code := c.run("", "notice", "add", "--communes", "xa-c", "--title", "a", "--body", "b"); code != 1 || !strings.Contains(errOut, "xa-c") {
		t.Errorf("--communes naming no commune = %d %q; want refused", code, errOut)
	}
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	db.QueryRow(`SELECT group_concat(commune || ':' || targets, ' ') FROM notices`).Scan(&got)
	if got != "*:all *:xa-b,xa-a/khom-1" {
		t.Errorf("stored notices = %q", got)
	}
}

// TestCommuneRename: a code the upgrade made from the wrong LOAXA_COMMUNE
// can be changed, with its notices; a live province notice naming it
// stops it, named in the refusal; a finished one is renamed with it.
func TestCommuneRename(t *testing.T) {
	c := newCLI(t) // LOAXA_COMMUNE unset: the commune is "UBND xã", code xa
	c.setup()
	c.ok("notice", "add", "--title", "Họp", "--body", "b")
	c.ok("commune", "edit", "xa", "--code", "xa-an-phu", "--name", "UBND xã An Phú")
	if out := c.ok("commune", "list"); !strings.Contains(out, "xa-an-phu") || !strings.Contains(out, "UBND xã An Phú") {
		t.Errorf("commune list after the rename =\n%s", out)
	}
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var commune string
	db.QueryRow(`SELECT commune FROM notices WHERE id = 1`).Scan(&commune)
	if commune != "xa-an-phu" {
		t.Errorf("notice 1's commune after the rename = %q", commune)
	}
	if _, err := db.Exec(`INSERT INTO notices (title, body, commune) VALUES ('a', 'b', 'xa-an-phu')`); err != nil {
		t.Errorf("insert with the new code: %v", err)
	}
	c.ok("notice", "add", "--communes", "xa-an-phu", "--hamlets", "xa-an-phu/khom-1", "--title", "Lũ", "--body", "b") // number 3
	if _, errOut, code := c.run("", "commune", "edit", "xa-an-phu", "--code", "xa-ap"); code != 1 ||
		!strings.Contains(errOut, "Thông báo cấp tỉnh số 3 chưa gửi xong") || !strings.Contains(errOut, "loaxa notice cancel") {
		t.Errorf("rename while a live province notice names the commune = %d %q; want refused, naming notice 3", code, errOut)
	}
	// Once it is finished, the rename goes through, and the notice names the new code.
	c.ok("notice", "cancel", "3", "--province")
	c.ok("commune", "edit", "xa-an-phu", "--code", "xa-ap")
	var targets string
	db.QueryRow(`SELECT targets FROM notices WHERE id = 3`).Scan(&targets)
	if targets != "xa-ap,xa-ap/khom-1" {
		t.Errorf("the finished province notice's targets after the rename = %q; want the new code", targets)
	}

	if _, errOut, code := c.run("", "commune", "edit", "xa-ap", "--code", "Sai Mã"); code != 1 || !strings.Contains(errOut, "--code") {
		t.Errorf("rename to a bad code = %d %q; want refused", code, errOut)
	}
}

// With several communes, the command a new notice's answer suggests to
// approve it names its scope, and runs as suggested.
func TestProvinceApproveHintRuns(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú"
	c.setup()
	c.ok("commune", "add", "--code", "xa-phu-hoa", "--name", "UBND xã Phú Hòa")
	c.ok("hamlet", "add", "--commune", "xa-phu-hoa", "--name", "Khóm 1", "--group-id", "grp-ph-1")
	for _, scope := range [][]string{{"--province"}, {"--commune", "xa-phu-hoa"}} {
		out := c.ok(append([]string{"notice", "add", "--title", "Họp", "--body", "b"}, scope...)...)
		i, j := strings.Index(out, "(loaxa "), strings.LastIndex(out, ")")
		if i < 0 || j < i {
			t.Fatalf("notice add %v says no command to approve it:\n%s", scope, out)
		}
		hint := strings.Fields(out[i+len("(loaxa ") : j])
		if !strings.Contains(strings.Join(hint, " "), strings.Join(scope, " ")) {
			t.Errorf("notice add %v suggests %q; want its scope in it", scope, hint)
		}
		if out := c.ok(append(hint, "--as", "lanhdao")...); !strings.Contains(out, "Đã duyệt") {
			t.Errorf("the suggested %q did not approve:\n%s", hint, out)
		}
	}
}
