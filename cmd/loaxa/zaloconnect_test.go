package main

import (
	"database/sql"
	"strings"
	"testing"
)

// tokenRow is a commune's zalo_tokens row as text, "" when it has none.
func tokenRow(t *testing.T, c *cli, commune string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var row sql.NullString
	err = db.QueryRow(`SELECT access_token || '|' || refresh_token || '|' || ifnull(access_expires_at, '') || '|' ||
		updated_at || '|' || ifnull(oa_id, '') FROM zalo_tokens WHERE commune_id = (SELECT id FROM communes WHERE code = ?)`,
		commune).Scan(&row)
	if err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return row.String
}

// F14: a mistyped refresh token that Zalo refuses outright changes
// nothing: the commune's working pair stays as it was and keeps sending,
// and a commune that had no pair is left with none.
func TestZaloConnectRefusedTokenChangesNothing(t *testing.T) {
	c, _, _ := provinceCLI(t, 1)
	before := tokenRow(t, c, "xa-a")
	if before == "" || strings.HasPrefix(before, "|") {
		t.Fatalf("xa-a's pair before = %q; want a connected pair", before)
	}
	out, errOut, code := c.run("typo-token\n", "zalo", "connect", "--commune", "xa-a", "--refresh-token-file", "-")
	if code != 1 || !strings.Contains(errOut, "không có gì thay đổi") || !strings.Contains(errOut, "UBND xã A") {
		t.Errorf("zalo connect with a typo = %d %q %q; want 1 saying nothing changed for UBND xã A", code, out, errOut)
	}
	if after := tokenRow(t, c, "xa-a"); after != before {
		t.Errorf("xa-a's pair after a refused token = %q; want it as it was, %q", after, before)
	}
	if got := c.ok("zalo", "status", "--commune", "xa-a"); !strings.Contains(got, "Kết nối tốt") {
		t.Errorf("zalo status after a refused token = %q; want still connected", got)
	}

	c.ok("commune", "add", "--code", "xa-moi", "--name", "UBND xã Mới")
	_, errOut, code = c.run("typo-token\n", "zalo", "connect", "--commune", "xa-moi", "--refresh-token-file", "-")
	if code != 1 || !strings.Contains(errOut, "không có gì thay đổi") {
		t.Errorf("zalo connect of a new commune with a typo = %d %q; want 1, nothing changed", code, errOut)
	}
	if row := tokenRow(t, c, "xa-moi"); row != "" {
		t.Errorf("xa-moi's pair after a refused token = %q; want none", row)
	}
	if out := c.ok("commune", "list"); strings.Contains(out, "xa-moi") && strings.Contains(strings.SplitN(out[strings.Index(out, "xa-moi"):], "\n", 2)[0], "đã có token") {
		t.Errorf("commune list says xa-moi has a token:\n%s", out)
	}
}

// F11: another commune's refresh token is refused before it is spent, a
// commune's pair records its OA (getoa), and `zalo status` names it.
func TestZaloConnectRefusesAnotherCommunesOA(t *testing.T) {
	c, sim, oas := provinceCLI(t, 1)
	for i, code := range []string{"xa-a", "xa-b"} {
		if row := tokenRow(t, c, code); !strings.HasSuffix(row, "|"+oas[i].ID) {
			t.Errorf("%s's pair = %q; want its OA %s recorded", code, row, oas[i].ID)
		}
	}
	before := tokenRow(t, c, "xa-b")
	_, aRT, _ := strings.Cut(tokenRow(t, c, "xa-a"), "|")
	aRT, _, _ = strings.Cut(aRT, "|")
	_, errOut, code := c.run(aRT+"\n", "zalo", "connect", "--commune", "xa-b", "--refresh-token-file", "-")
	if code != 1 || !strings.Contains(errOut, "UBND xã A") || !strings.Contains(errOut, "không có gì thay đổi") {
		t.Errorf("zalo connect xa-b with xa-a's token = %d %q; want 1 naming UBND xã A, nothing changed", code, errOut)
	}
	if after := tokenRow(t, c, "xa-b"); after != before {
		t.Errorf("xa-b's pair = %q; want it as it was, %q", after, before)
	}
	if st := sim.OAStats(); st[0].Refreshes != 1 {
		t.Errorf("xa-a's OA refreshes = %d; want 1 (its connect), the refused one never spent", st[0].Refreshes)
	}
	if got := c.ok("zalo", "status", "--commune", "xa-a"); !strings.Contains(got, "số "+oas[0].ID) {
		t.Errorf("zalo status --commune xa-a = %q; want its OA %s named", got, oas[0].ID)
	}
}

// F16: an unknown commune in --communes is reported under --communes, the
// flag the user typed.
func TestNoticeAddUnknownCommuneNamesCommunesFlag(t *testing.T) {
	c, _, _ := provinceCLI(t, 1)
	_, errOut, code := c.run("", "notice", "add", "--communes", "xa-khong-co", "--title", "T", "--body", "B")
	if code == 0 || !strings.Contains(errOut, "--communes: ") || !strings.Contains(errOut, "xa-khong-co") {
		t.Errorf("notice add --communes xa-khong-co = %d %q; want the error under --communes", code, errOut)
	}
}

// F19: adding the second commune says when the first commune's footer
// changes from LOAXA_COMMUNE to its stored name, with the fix.
func TestCommuneAddSaysTheFirstFooterChanges(t *testing.T) {
	c := newCLI(t)
	c.ok("commune", "list") // the first command without the service's environment: commune "xa", "UBND xã"
	c.env["LOAXA_COMMUNE"] = "UBND xã An Phú"
	out := c.ok("commune", "add", "--code", "xa-b", "--name", "UBND xã B")
	if !strings.Contains(out, `LOAXA_COMMUNE ("UBND xã An Phú")`) ||
		!strings.Contains(out, `loaxa commune edit xa --name "UBND xã An Phú"`) {
		t.Errorf("commune add of the second commune = %q; want the footer change and the commune edit that fixes it", out)
	}
}
