package main

import (
	"strings"
	"testing"
)

// F2: with several communes every text that says to (re)connect names the
// commune, and `zalo status` does not promise a renewal Zalo refuses.
func TestReconnectAdviceNamesTheCommune(t *testing.T) {
	c, sim, oas := provinceCLI(t, 1)
	_, bRT, _ := strings.Cut(tokenRow(t, c, "xa-b"), "|")
	bRT, _, _ = strings.Cut(bRT, "|")
	rotateOutside(t, c, bRT) // B's stored refresh token is spent outside loaxa
	if err := sim.ExpireAccessTokensOf(oas[1].ID); err != nil {
		t.Fatal(err)
	}
	out, errOut, rc := c.run("", "zalo", "status", "--commune", "xa-b")
	if rc != 1 || !strings.Contains(errOut, "loaxa zalo connect --commune xa-b ") {
		t.Errorf("zalo status --commune xa-b with a dead token = %d %q; want 1 naming loaxa zalo connect --commune xa-b", rc, errOut)
	}
	if strings.Contains(out, "tự làm mới") || !strings.Contains(out, "không làm mới được nữa") {
		t.Errorf("zalo status --commune xa-b with a dead token printed %q; want it to say the token cannot be renewed", out)
	}

	c.ok("commune", "add", "--code", "xa-d", "--name", "UBND xã D")
	out, errOut, _ = c.run("", "hamlet", "import", "--commune", "xa-d", writeFile(t, "d.csv", "code,name,group_id\nap-1,Ấp 1,g-d-1\n"))
	if !strings.Contains(out+errOut, "chưa kiểm tra được") || !strings.Contains(out+errOut, "loaxa zalo connect --commune xa-d ") {
		t.Errorf("hamlet import --commune xa-d (not connected) = %q %q; want the note to name loaxa zalo connect --commune xa-d", out, errOut)
	}

	_, errOut, rc = c.run("", "zalo", "connect", "--commune", "xa-a", "--redirect-uri", "https://loa.example.gov.vn/zalo/callback")
	if rc != 1 || !strings.Contains(errOut, "không nhận được code; chạy lại loaxa zalo connect --commune xa-a --redirect-uri https://loa.example.gov.vn/zalo/callback") {
		t.Errorf("zalo connect with no code pasted = %d %q; want the full command to run again", rc, errOut)
	}
}
