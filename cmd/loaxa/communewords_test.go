package main

import (
	"strings"
	"testing"
)

// TestCommuneNamedOneWay: with several communes, every command that names
// a commune says it the one way, its name with its code
// («UBND xã Phú Hòa (xa-phu-hoa)»), never a bare «xã xa-phu-hoa»; with one
// commune the messages stay as they were.
func TestCommuneNamedOneWay(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú"
	c.setup()
	if out := c.ok("notice", "add", "--title", "Họp", "--body", "b"); out != "Đã tạo thông báo số 1: đang chờ duyệt (loaxa notice approve 1).\n" {
		t.Errorf("notice add with one commune = %q; want it as before communes", out)
	}
	const label = "UBND xã Phú Hòa (xa-phu-hoa)"
	pw := writeFile(t, "pw", "mot-cau-mat-khau-dai\n")
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"commune", "add", "--code", "xa-phu-hoa", "--name", "UBND xã Phú Hòa"}, "Đã thêm " + label + "."},
		{[]string{"hamlet", "add", "--commune", "xa-phu-hoa", "--name", "Ấp 1", "--group-id", "g-ph-1"}, "(mã ap-1, nhóm g-ph-1) vào " + label + "."},
		{[]string{"user", "add", "--commune", "xa-phu-hoa", "--name", "hoa", "--role", "editor", "--password-file", pw},
			"Đã thêm tài khoản hoa (editor, " + label + ")."},
		{[]string{"user", "add", "--commune", "xa-phu-hoa", "--name", "lan", "--role", "approver", "--password-file", pw},
			"Đã thêm tài khoản lan (approver, " + label + ")."},
		{[]string{"notice", "add", "--commune", "xa-phu-hoa", "--title", "Họp", "--body", "b"}, "Đã tạo thông báo số 2 của " + label + ":"},
		{[]string{"notice", "approve", "2", "--commune", "xa-phu-hoa", "--as", "lan"}, "Đã duyệt thông báo số 2 của " + label + ";"},
		{[]string{"notice", "show", "2", "--commune", "xa-phu-hoa"}, label},
		{[]string{"commune", "edit", "xa-phu-hoa", "--rate-per-min", "10"}, "Đã sửa " + label + "."},
		{[]string{"commune", "disable", "xa-phu-hoa"}, "Đã tắt " + label + ":"},
		{[]string{"commune", "enable", "xa-phu-hoa"}, "Đã bật " + label + "."},
		{[]string{"notice", "add", "--province", "--title", "Lũ", "--body", "b", "--approve"}, "Đã tạo thông báo số 3 cấp tỉnh:"},
	} {
		out := c.ok(step.args...)
		if !strings.Contains(out, step.want) || strings.Contains(out, "xã xa-") {
			t.Errorf("loaxa %s =\n%s\nwant %q, and no bare «xã xa-…»", strings.Join(step.args, " "), out, step.want)
		}
	}
	_, errOut, code := c.run("", "notice", "cancel", "2", "--province")
	if want := "thông báo số 2 thuộc " + label + ", không thuộc cấp tỉnh"; code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("notice cancel 2 --province = %d %q; want %q", code, errOut, want)
	}
}

// TestNoticeWorkflowScope: with several communes, notice edit, submit,
// pause and resume take --commune/--province like the other commands on
// one notice: without them it is a usage error naming --commune, and a
// notice outside the scope given is refused, unchanged.
func TestNoticeWorkflowScope(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú"
	c.setup()
	c.ok("commune", "add", "--code", "xa-phu-hoa", "--name", "UBND xã Phú Hòa")
	c.ok("hamlet", "add", "--commune", "xa-phu-hoa", "--name", "Ấp 1", "--group-id", "g-ph-1")
	c.ok("notice", "add", "--commune", "xa-phu-hoa", "--title", "Họp", "--body", "b") // 1, pending
	c.ok("notice", "add", "--commune", "xa-phu-hoa", "--title", "Tập thể dục", "--body", "b",
		"--cron", "0 6 * * *", "--approve", "--as", "lan") // 2, recurring
	for _, st := range []struct{ args []string }{
		{[]string{"notice", "edit", "1", "--title", "Họp thôn", "--draft"}},
		{[]string{"notice", "submit", "1"}},
		{[]string{"notice", "pause", "2"}},
		{[]string{"notice", "resume", "2"}},
	} {
		name := "loaxa " + strings.Join(st.args, " ")
		before := c.counts()
		if _, errOut, code := c.run("", st.args...); code != 2 || !strings.Contains(errOut, "--commune") {
			t.Errorf("%s with two communes and no --commune = %d %q; want 2 naming --commune", name, code, errOut)
		}
		for _, wrong := range [][]string{{"--commune", "xa-an-phu"}, {"--province"}} {
			_, errOut, code := c.run("", append(st.args, wrong...)...)
			if code != 1 || !strings.Contains(errOut, "thuộc UBND xã Phú Hòa (xa-phu-hoa), không thuộc") {
				t.Errorf("%s %s = %d %q; want refused: the notice is xa-phu-hoa's", name, strings.Join(wrong, " "), code, errOut)
			}
		}
		if after := c.counts(); after["audit_log"] != before["audit_log"] {
			t.Errorf("%s: refused runs wrote %d audit entries", name, after["audit_log"]-before["audit_log"])
		}
		out := c.ok(append(st.args, "--commune", "xa-phu-hoa")...)
		if strings.Contains(out, "loaxa notice") && !strings.Contains(out, "--commune xa-phu-hoa") {
			t.Errorf("%s --commune xa-phu-hoa = %q; the command it suggests lacks --commune xa-phu-hoa", name, out)
		}
	}
	show := c.ok("notice", "show", "1", "--commune", "xa-phu-hoa")
	if !strings.Contains(show, "Họp thôn") {
		t.Errorf("notice 1 after edit in scope:\n%s", show)
	}
}

// TestProvinceNoticeReachesNoOne: notice add --communes refuses a province
// notice that reaches no active hamlet (its communes disabled, or without
// hamlets), exit 1 with the reason on --communes, nothing written.
func TestProvinceNoticeReachesNoOne(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú"
	c.setup()
	c.ok("commune", "add", "--code", "xa-phu-hoa", "--name", "UBND xã Phú Hòa")
	c.ok("hamlet", "add", "--commune", "xa-phu-hoa", "--name", "Ấp 1", "--group-id", "g-ph-1")
	c.ok("commune", "add", "--code", "xa-rong", "--name", "UBND xã Rỗng")
	c.ok("commune", "disable", "xa-phu-hoa")
	before := c.counts()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--communes", "xa-phu-hoa"}, `--communes: Thông báo cấp tỉnh này không tới được thôn/ấp nào đang hoạt động (UBND xã Phú Hòa (xa-phu-hoa) đang tắt)`},
		{[]string{"--communes", "xa-phu-hoa,xa-rong"}, `không có thôn/ấp nào đang hoạt động: "xa-rong"`},
		{[]string{"--province", "--hamlets", "xa-phu-hoa/ap-1"}, `UBND xã Phú Hòa (xa-phu-hoa) đang tắt (thôn/ấp đã chọn của nó: "xa-phu-hoa/ap-1")`},
	} {
		args := append([]string{"notice", "add", "--title", "Lũ", "--body", "Nước lên", "--approve"}, tc.args...)
		if _, errOut, code := c.run("", args...); code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("loaxa %s = %d %q; want 1 saying %q", strings.Join(args, " "), code, errOut, tc.want)
		}
	}
	if after := c.counts(); after["notices"] != before["notices"] || after["audit_log"] != before["audit_log"] {
		t.Errorf("refused province notices wrote rows: %v → %v", before, after)
	}
	c.ok("notice", "add", "--title", "Lũ", "--body", "Nước lên", "--communes", "xa-phu-hoa,xa-an-phu")
}

// TestNoticeEditCommunes: notice edit takes --communes as notice add does
// (all, or commune codes, with --hamlets adding commune/hamlet pairs), and
// its refusal names a disabled commune by name, its hamlets as hamlets.
func TestNoticeEditCommunes(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú"
	c.setup()
	c.ok("commune", "add", "--code", "xa-phu-hoa", "--name", "UBND xã Phú Hòa")
	c.ok("hamlet", "add", "--commune", "xa-phu-hoa", "--name", "Ấp 1", "--group-id", "g-ph-1")
	c.ok("commune", "add", "--code", "phuong-moi", "--name", "UBND phường Mới")
	c.ok("hamlet", "add", "--commune", "phuong-moi", "--name", "Khóm 1", "--group-id", "g-pm-1")
	c.ok("notice", "add", "--title", "Lũ", "--body", "Nước lên", "--communes", "xa-an-phu")
	c.ok("notice", "edit", "1", "--province", "--communes", "xa-phu-hoa", "--hamlets", "phuong-moi/khom-1")
	if out := c.ok("notice", "show", "1", "--province"); !strings.Contains(out, "Gửi tới:         UBND xã Phú Hòa (mọi thôn/ấp), Khóm 1 (UBND phường Mới)\n") {
		t.Errorf("notice show after edit --communes:\n%s", out)
	}
	c.ok("notice", "edit", "1", "--communes", "all")
	if out := c.ok("notice", "show", "1", "--province"); !strings.Contains(out, "Gửi tới:         tất cả các xã, phường trong tỉnh") {
		t.Errorf("notice show after edit --communes all:\n%s", out)
	}
	c.ok("commune", "disable", "phuong-moi")
	_, errOut, code := c.run("", "notice", "edit", "1", "--province", "--hamlets", "phuong-moi/khom-1")
	if want := `UBND phường Mới (phuong-moi) đang tắt (thôn/ấp đã chọn của nó: "phuong-moi/khom-1")`; code != 1 || !strings.Contains(errOut, want) ||
		!strings.Contains(errOut, "loaxa commune enable phuong-moi") {
		t.Errorf("notice edit to a disabled commune's hamlet = %d %q; want 1 saying %q and the enable command", code, errOut, want)
	}
	if _, errOut, code := c.run("", "notice", "edit", "1", "--commune", "xa-an-phu", "--communes", "xa-phu-hoa"); code != 2 {
		t.Errorf("notice edit --commune with --communes = %d %q; want a usage error", code, errOut)
	}
}
