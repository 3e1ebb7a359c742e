package main

import (
	"strings"
	"testing"
)

// TestSecondCommuneSaysRestart: adding the second commune says to restart
// loaxa serve, which until then sends through the first commune's OA only
// (probe6 F20: nothing the operator ran said so, and the new commune's
// notices waited); the third, sent by a daemon already in province mode,
// does not.
func TestSecondCommuneSaysRestart(t *testing.T) {
	c := newCLI(t)
	c.setup()
	second := c.ok("commune", "add", "--code", "xa-phu-hoa", "--name", "UBND xã Phú Hòa")
	if !strings.Contains(second, "khởi động lại loaxa serve") || !strings.Contains(second, "UBND xã Phú Hòa (xa-phu-hoa)") {
		t.Errorf("adding the second commune =\n%s\nwant the restart it needs", second)
	}
	if third := c.ok("commune", "add", "--code", "xa-khanh-binh", "--name", "UBND xã Khánh Bình"); strings.Contains(third, "khởi động lại") {
		t.Errorf("adding the third commune =\n%s\nwant no restart", third)
	}
}
