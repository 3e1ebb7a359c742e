package main

import (
	"database/sql"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// doctorProvince is provinceCLI's three communes, each on its own
// simulated OA, with xa-c disconnected (its pair deleted, as if never
// connected), xa-b's hamlet ap-lac pointing at a group of xa-a's OA, and a
// disabled fourth commune xa-d.
func doctorProvince(t *testing.T) (*cli, *zalosimtest.Server, []zalosim.OA) {
	t.Helper()
	c, sim, oas := provinceCLI(t, 3)
	c.env["LOAXA_HTTP_ADDR"] = freePort(t)
	c.ok("commune", "add", "--code", "xa-d", "--name", "UBND xã D")
	c.ok("commune", "disable", "xa-d")
	// A group of OA A that no hamlet of xa-a uses: xa-b's new hamlet points at it.
	if err := sim.AddGroupTo(oas[0].ID, zalosim.Group{ID: "g-cua-xa-a", Name: "Nhóm của xã A"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO hamlets (commune_id, code, name, group_id)
		VALUES ((SELECT id FROM communes WHERE code = 'xa-b'), 'ap-lac', 'Ấp Lạc', 'g-cua-xa-a')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM zalo_tokens WHERE commune_id = (SELECT id FROM communes WHERE code = 'xa-c')`); err != nil {
		t.Fatal(err)
	}
	return c, sim, oas
}

// failures lists the failed checks as "commune name".
func (rep doctorReport) failures() []string {
	var out []string
	for _, ch := range rep.Checks {
		if ch.Status == checkFail {
			out = append(out, strings.TrimSpace(ch.Commune+" "+ch.Name))
		}
	}
	sort.Strings(out)
	return out
}

// TestDoctorProvinceChecksEachOA: doctor checks every active commune's OA
// with that commune's own pair. It names exactly the disconnected commune
// and the hamlet on another OA's group, with the step that fixes each,
// says the healthy commune is fine, lists the disabled one, and exits 1.
func TestDoctorProvinceChecksEachOA(t *testing.T) {
	c, sim, oas := doctorProvince(t)
	rep, code := c.doctor()
	if code != 1 {
		t.Fatalf("doctor exit %d with a disconnected commune; want 1:\n%s", code, rep.dump())
	}
	want := []string{"xa-b zalo.commune", "xa-b zalo.group", "xa-b zalo.groups", "xa-c zalo.commune", "xa-c zalo.token", "zalo.communes"}
	if got := rep.failures(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("failed checks = %q; want exactly %q:\n%s", got, want, rep.dump())
	}
	rep.want(t, "zalo.token", checkFail, "UBND xã C (xa-c): OA chưa kết nối")
	rep.want(t, "zalo.token", checkFail, "loaxa zalo connect --commune xa-c")
	rep.want(t, "zalo.group", checkFail, "UBND xã B (xa-b): Ấp Lạc (ap-lac, nhóm g-cua-xa-a): nhóm này thuộc OA của UBND xã A (xa-a), không phải OA của UBND xã B (xa-b)")
	rep.want(t, "zalo.groups", checkFail, "UBND xã B (xa-b): 1 thôn/ấp có nhóm không gửi được, 3 thôn/ấp tốt")
	rep.want(t, "zalo.live", checkOK, "UBND xã A (xa-a): gọi Zalo được: OA quản lý 4 nhóm")
	rep.want(t, "zalo.live", checkOK, "UBND xã B (xa-b): gọi Zalo được: OA quản lý 3 nhóm")
	rep.want(t, "zalo.groups", checkOK, "UBND xã A (xa-a): nhóm của cả 3 thôn/ấp")
	rep.want(t, "zalo.commune", checkOK, "UBND xã A (xa-a): OA kết nối tốt")
	rep.want(t, "zalo.commune_disabled", checkSkip, "UBND xã D (xa-d) đã tắt")
	rep.want(t, "zalo.communes", checkFail, "3 xã đang bật được kiểm: 1 tốt, 2 có lỗi (xa-b, xa-c); 1 xã đã tắt (xa-d)")
	for _, ch := range rep.Checks {
		if ch.Commune == "xa-d" || strings.Contains(ch.Message, "(xa-d):") {
			t.Errorf("the disabled commune was checked: %s %s", ch.Name, ch.Message)
		}
	}

	// The text form says it per commune, with each fix.
	out, _, code := c.run("", "doctor")
	for _, s := range []string{
		"[ LỖI ]  UBND xã C (xa-c): OA chưa kết nối",
		"→ chạy loaxa zalo connect --commune xa-c",
		"[ OK ]   UBND xã A (xa-a): OA kết nối tốt",
		"[BỎ QUA] UBND xã D (xa-d) đã tắt",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("doctor's text (exit %d) lacks %q:\n%s", code, s, out)
		}
	}

	// --commune limits it to one commune: the healthy one passes alone.
	out, errOut, code := c.run("", "doctor", "--json", "--commune", "xa-a")
	if code != 0 {
		t.Errorf("doctor --commune xa-a = exit %d (%s):\n%s", code, errOut, out)
	}
	for _, other := range []string{"xa-b", "xa-c", "xa-d"} {
		if strings.Contains(out, other) {
			t.Errorf("doctor --commune xa-a reports on %s:\n%s", other, out)
		}
	}
	_, _, code = c.run("", "doctor", "--commune", "xa-c")
	if code != 1 {
		t.Errorf("doctor --commune xa-c = exit %d; want 1", code)
	}
	out, _, code = c.run("", "doctor", "--commune", "xa-khong-co")
	if code != 1 || !strings.Contains(out, `không có xã mang mã "xa-khong-co"`) {
		t.Errorf("doctor --commune of an unknown commune = exit %d:\n%s", code, out)
	}

	// The first commune's OA refuses its refresh token: it fails, and the
	// communes after it are still checked.
	if err := sim.RevokeRefreshTokenOf(oas[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := sim.ExpireAccessTokensOf(oas[0].ID); err != nil {
		t.Fatal(err)
	}
	rep, _ = c.doctor()
	rep.want(t, "zalo.live", checkFail, "loaxa zalo connect --commune xa-a")
	rep.want(t, "zalo.live", checkOK, "UBND xã B (xa-b): gọi Zalo được")
	rep.want(t, "zalo.group", checkFail, "UBND xã B (xa-b): Ấp Lạc")
	rep.want(t, "zalo.token", checkFail, "UBND xã C (xa-c): OA chưa kết nối")
}

// TestDoctorProvinceSpendsNoRefreshToken: beside a daemon, doctor must not
// spend a commune's single-use refresh token ahead of time; when an access
// token has expired it refreshes as the daemon would, and the chain is
// intact afterwards (the commune still connects).
func TestDoctorProvinceSpendsNoRefreshToken(t *testing.T) {
	c, sim, _ := provinceCLI(t, 2)
	c.env["LOAXA_HTTP_ADDR"] = freePort(t)
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Every pair saved 21 h ago with 4 h left: the daemon would refresh now, doctor must not.
	if _, err := db.Exec(`UPDATE zalo_tokens SET updated_at = datetime('now', '-21 hours'),
		access_expires_at = datetime('now', '+4 hours')`); err != nil {
		t.Fatal(err)
	}
	before := sim.Stats().Refreshes
	rep, code := c.doctor()
	if code != 0 {
		t.Fatalf("doctor exit %d on a healthy province:\n%s", code, rep.dump())
	}
	for _, code := range []string{"xa-a", "xa-b", "xa-c"} {
		rep.want(t, "zalo.live", checkOK, "("+code+"): gọi Zalo được")
	}
	if got := sim.Stats().Refreshes; got != before {
		t.Errorf("doctor refreshed %d pair(s) whose access tokens were still valid", got-before)
	}

	// Expired access tokens: doctor refreshes each commune's once, and
	// each chain goes on.
	sim.ExpireAccessTokens()
	rep, code = c.doctor()
	if code != 0 {
		t.Fatalf("doctor exit %d after the access tokens expired:\n%s", code, rep.dump())
	}
	if got := sim.Stats().Refreshes - before; got != 3 {
		t.Errorf("doctor made %d refreshes for 3 expired access tokens; want 3", got)
	}
	for _, code := range []string{"xa-a", "xa-b", "xa-c"} {
		if out := c.ok("zalo", "status", "--commune", code); !strings.Contains(out, "Kết nối tốt") {
			t.Errorf("after doctor, zalo status --commune %s = %q", code, out)
		}
	}
}

// TestDoctorProvinceTimeoutIsPerCommune: --timeout bounds each commune's
// calls, so a slow Zalo leaves some groups of every commune unchecked
// (said, not failed) but never a later commune unreached.
func TestDoctorProvinceTimeoutIsPerCommune(t *testing.T) {
	c, sim, _ := provinceCLI(t, 3)
	c.env["LOAXA_HTTP_ADDR"] = freePort(t)
	sim.SetFaultRate(zalosim.FaultSlow.Taking(700*time.Millisecond).On(zalosim.PathGroupInfo), 1)
	out, errOut, code := c.run("", "doctor", "--json", "--timeout", "1s")
	var rep doctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v (exit %d, %s):\n%s", err, code, errOut, out)
	}
	if code != 0 {
		t.Errorf("doctor exit %d with a slow Zalo; want 0 (unchecked is not failed):\n%s", code, rep.dump())
	}
	for _, code := range []string{"xa-a", "xa-b", "xa-c"} {
		rep.want(t, "zalo.live", checkOK, "("+code+"): gọi Zalo được")
		rep.want(t, "zalo.groups_unchecked", checkSkip, "("+code+"): hết thời gian (--timeout 1s)")
		rep.want(t, "zalo.commune", checkWarn, "("+code+"): không có lỗi trong những gì đã kiểm, nhưng chưa kiểm hết")
	}
}
