package main

import (
	"strings"
	"testing"
)

// TestNoticeListByHamletOfACommune: with several communes `notice list
// --hamlet` takes commune/hamlet and lists the province notices that reach
// that hamlet (to all, to its commune, to it by commune/hamlet), not
// another commune's hamlet of the same code; a bare code used by two
// communes is refused with the choices (probe6 F19).
func TestNoticeListByHamletOfACommune(t *testing.T) {
	c := newCLI(t)
	c.setup()
	c.ok("commune", "add", "--code", "xa-b", "--name", "UBND xã B")
	for _, x := range []string{"xa", "xa-b"} {
		c.ok("hamlet", "add", "--commune", x, "--name", "Ấp 1", "--code", "ap-1", "--group-id", "g-"+x+"-1")
		c.ok("hamlet", "add", "--commune", x, "--name", "Ấp 2", "--code", "ap-2", "--group-id", "g-"+x+"-2")
	}
	add := func(title string, args ...string) {
		c.ok(append([]string{"notice", "add", "--title", title, "--body", "b"}, args...)...)
	}
	add("Tỉnh tất cả", "--communes", "all")
	add("Tỉnh xã xa", "--communes", "xa")
	add("Tỉnh ấp 1 của xa", "--province", "--hamlets", "xa/ap-1")
	add("Tỉnh ấp 1 của xa-b", "--province", "--hamlets", "xa-b/ap-1")
	add("Tỉnh ấp 2 của xa", "--province", "--hamlets", "xa/ap-2")
	add("Xã xa ấp 1", "--commune", "xa", "--hamlets", "ap-1")
	add("Xã xa-b ấp 1", "--commune", "xa-b", "--hamlets", "ap-1")

	out := c.ok("notice", "list", "--province", "--hamlet", "xa/ap-1")
	for _, want := range []string{"Tỉnh tất cả", "Tỉnh xã xa", "Tỉnh ấp 1 của xa"} {
		if !strings.Contains(out, want) {
			t.Errorf("notice list --province --hamlet xa/ap-1 lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"Tỉnh ấp 1 của xa-b", "Tỉnh ấp 2 của xa", "Xã xa"} {
		if strings.Contains(out, not+"\n") || strings.Contains(out, not+" ") {
			t.Errorf("notice list --province --hamlet xa/ap-1 lists %q:\n%s", not, out)
		}
	}
	out = c.ok("notice", "list", "--commune", "xa-b", "--hamlet", "ap-1")
	if !strings.Contains(out, "Xã xa-b ấp 1") || strings.Contains(out, "Xã xa ấp 1") {
		t.Errorf("notice list --commune xa-b --hamlet ap-1:\n%s\nwant xa-b's notice to its ap-1 only", out)
	}
	_, errOut, code := c.run("", "notice", "list", "--province", "--hamlet", "ap-1")
	if code != 1 || !strings.Contains(errOut, "xa/ap-1, xa-b/ap-1") {
		t.Errorf("a bare ap-1 of two communes: exit %d, %q; want the two choices", code, errOut)
	}
	if _, errOut, code := c.run("", "notice", "list", "--province", "--hamlet", "xa-b/ap-9"); code != 1 || !strings.Contains(errOut, `"ap-9"`) {
		t.Errorf("an unknown commune/hamlet: exit %d, %q", code, errOut)
	}
}
