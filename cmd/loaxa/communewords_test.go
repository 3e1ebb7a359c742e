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
