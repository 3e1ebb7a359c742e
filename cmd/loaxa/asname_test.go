package main

import (
	"strings"
	"testing"
)

// TestApproveAsNamesAnAccount: with accounts in the database, `notice
// approve --as NAME` names one of them; a mistyped name is refused with
// what to do, and the notice stays pending (probe6 F21: any unknown name
// approved, and was recorded as the approver). A refusal for the wrong
// commune does not suggest LOAXA_SELF_APPROVE, which lifts only the rule
// against approving one's own notice.
func TestApproveAsNamesAnAccount(t *testing.T) {
	c := newCLI(t)
	c.setup()
	pw := writeFile(t, "pw", "mot-cau-mat-khau-dai\n")
	c.ok("commune", "add", "--code", "xa-phu-hoa", "--name", "UBND xã Phú Hòa")
	c.ok("hamlet", "add", "--commune", "xa-phu-hoa", "--name", "Ấp 1", "--group-id", "g-ph-1")
	c.ok("user", "add", "--commune", "xa-phu-hoa", "--name", "ph.duyet", "--role", "approver", "--password-file", pw)
	c.ok("notice", "add", "--commune", "xa-phu-hoa", "--title", "Họp", "--body", "b")
	out, errOut, code := c.run("", "notice", "approve", "1", "--commune", "xa-phu-hoa", "--as", "ph.duyt")
	if code != 1 || !strings.Contains(errOut, `không có tài khoản "ph.duyt"`) || !strings.Contains(errOut, "loaxa user list") {
		t.Errorf("approve --as a mistyped name: exit %d, %q %q; want exit 1 naming the name and loaxa user list", code, out, errOut)
	}
	if show := c.ok("notice", "show", "1", "--commune", "xa-phu-hoa"); !strings.Contains(show, "chờ duyệt") {
		t.Errorf("after the refusal the notice is not pending:\n%s", show)
	}
	c.ok("user", "add", "--commune", "xa", "--name", "ap.duyet", "--role", "approver", "--password-file", pw)
	if _, errOut, code := c.run("", "notice", "approve", "1", "--commune", "xa-phu-hoa", "--as", "ap.duyet"); code != 1 ||
		!strings.Contains(errOut, "hãy nhờ người duyệt của nơi viết") || strings.Contains(errOut, "LOAXA_SELF_APPROVE") {
		t.Errorf("approve --as another commune's approver: exit %d, %q; want the commune refusal, without LOAXA_SELF_APPROVE", code, errOut)
	}
	if out := c.ok("notice", "approve", "1", "--commune", "xa-phu-hoa", "--as", "ph.duyet"); !strings.Contains(out, "Đã duyệt thông báo số 1") {
		t.Errorf("approve --as the approver's account = %q", out)
	}
}
