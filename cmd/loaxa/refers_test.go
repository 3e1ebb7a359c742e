package main

import (
	"strings"
	"testing"
)

// TestCorrectionOfUnpublishedRefused: `notice add --kind update|cancel`
// may only refer to a notice that went out (issue 13).
func TestCorrectionOfUnpublishedRefused(t *testing.T) {
	c := newCLI(t)
	c.setup()
	c.ok("notice", "add", "--title", "Chưa duyệt", "--body", "Nội dung.")            // 1, pending
	c.ok("notice", "add", "--title", "Đã duyệt", "--body", "Nội dung.", "--approve") // 2
	for _, kind := range []string{"update", "cancel"} {
		_, errOut, code := c.run("", "notice", "add", "--title", "Đính chính", "--body", "x", "--kind", kind, "--refers-to", "1")
		if code != 1 || !strings.Contains(errOut, "chưa từng được duyệt") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s of a pending notice: exit %d, %q; want 1 and one line saying it never went out", kind, code, errOut)
		}
	}
	c.ok("notice", "add", "--title", "Đính chính", "--body", "x", "--kind", "update", "--refers-to", "2")
}
