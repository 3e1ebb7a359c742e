package main

import (
	"reflect"
	"strings"
	"testing"
)

// TestEnumFlagsExit2: a flag given a value outside its fixed set is a
// mistake in the command line: exit 2 (README, "The command line"), one
// line saying the choices, and nothing written.
func TestEnumFlagsExit2(t *testing.T) {
	c := newCLI(t)
	c.setup()
	c.ok("notice", "add", "--title", "Họp thôn", "--body", "Tối nay 19h")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"notice", "add", "--title", "Họp", "--priority", "high"},
			`loaxa notice add: --priority "high" không có; hãy chọn urgent (khẩn), normal (thường) hoặc low (bản tin)`},
		{[]string{"notice", "add", "--title", "Họp", "--priority", ""},
			`loaxa notice add: --priority "" không có; hãy chọn urgent (khẩn), normal (thường) hoặc low (bản tin)`},
		{[]string{"notice", "add", "--title", "Họp", "--kind", "fix"},
			`loaxa notice add: --kind "fix" không có; hãy chọn notice (thông báo), update (đính chính) hoặc cancel (hủy)`},
		{[]string{"notice", "add", "--title", "", "--kind", "fix"}, // the flag first, before the fields' checks
			`loaxa notice add: --kind "fix" không có; hãy chọn notice (thông báo), update (đính chính) hoặc cancel (hủy)`},
		{[]string{"user", "add", "--name", "lan", "--role", "boss"},
			`loaxa user add: --role "boss" không có; hãy chọn editor (soạn), approver (duyệt) hoặc admin (quản trị)`},
		{[]string{"notice", "list", "--status", "sent"},
			`loaxa notice list: không có trạng thái "sent"; hãy chọn draft, pending, approved, done, rejected, cancelled hoặc expired`},
	} {
		before := c.counts()
		out, errOut, code := c.run("", tt.args...)
		if code != 2 || errOut != tt.want || out != "" {
			t.Errorf("loaxa %s\n exit %d, stderr %q, stdout %q\nwant exit 2, stderr %q", strings.Join(tt.args, " "), code, errOut, out, tt.want)
		}
		if after := c.counts(); !reflect.DeepEqual(after, before) {
			t.Errorf("loaxa %s wrote rows: %v → %v", strings.Join(tt.args, " "), before, after)
		}
	}
	// The good values still work.
	for _, p := range []string{"urgent", "normal", "low"} {
		c.ok("notice", "add", "--title", "Họp "+p, "--body", "Nội dung", "--priority", p)
	}
}
