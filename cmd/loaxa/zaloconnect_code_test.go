package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// connectWithCode runs `loaxa zalo connect` with args, the test playing the
// admin who picks the OA oaID on Zalo's page (the simulator's auto-grant)
// and pastes back only the code, as the prompt allows.
func connectWithCode(t *testing.T, c *cli, oaID string, args ...string) (out, errOut string, code int) {
	t.Helper()
	var o syncBuffer
	var e bytes.Buffer
	pr, pw := io.Pipe()
	env := map[string]string{"LOAXA_DB": c.db}
	for k, v := range c.env {
		env[k] = v
	}
	done := make(chan int, 1)
	go func() {
		done <- exitCode(run(context.Background(), append([]string{"zalo", "connect"}, args...),
			func(k string) string { return env[k] }, pr, &o, &e), &e)
	}()
	re := regexp.MustCompile(`(http://\S+/v4/oa/permission\?\S+)`)
	var authURL string
	waitFor(t, "the authorisation address", func() bool {
		if m := re.FindStringSubmatch(o.String()); m != nil {
			authURL = m[1]
		}
		return authURL != ""
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL + "&auto=1&oa_id=" + oaID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || cb.Query().Get("code") == "" || cb.Query().Get("oa_id") != oaID {
		t.Fatalf("the grant redirected to %q; want a callback with a code of OA %s", resp.Header.Get("Location"), oaID)
	}
	pw.Write([]byte(cb.Query().Get("code") + "\n"))
	rc := <-done
	return o.String(), e.String(), rc
}

// F14: a bare code of commune A's OA pasted for commune D is exchanged
// before loaxa can know whose OA it is, and the exchange supersedes A's
// stored refresh token. The new pair is stored as A's (its chain now),
// not D's: A keeps sending, D stays unconnected, and the operator is told
// so. The callback address comes from LOAXA_BASE_URL (F1).
func TestZaloConnectCodeOfAnotherCommunesOAReconnectsThatCommune(t *testing.T) {
	c, sim, oas := provinceCLI(t, 1)
	c.ok("commune", "add", "--code", "xa-d", "--name", "UBND xã D")
	c.env["LOAXA_BASE_URL"] = "https://loa.example.gov.vn"
	beforeA := tokenRow(t, c, "xa-a")

	out, errOut, rc := connectWithCode(t, c, oas[0].ID, "--commune", "xa-d")
	if !strings.Contains(out, "redirect_uri="+url.QueryEscape("https://loa.example.gov.vn/zalo/callback")) {
		t.Errorf("zalo connect without --redirect-uri printed %q; want LOAXA_BASE_URL/zalo/callback as redirect_uri", out)
	}
	for _, want := range []string{"không kết nối UBND xã D (xa-d) với OA này", "OA số " + oas[0].ID, "là OA của UBND xã A (xa-a)",
		"đã lưu cặp mới cho UBND xã A", "UBND xã A vẫn kết nối bình thường", "Kết nối của UBND xã D giữ nguyên như trước",
		"loaxa zalo connect --commune xa-d --redirect-uri https://loa.example.gov.vn/zalo/callback"} {
		if rc != 1 || !strings.Contains(errOut, want) {
			t.Errorf("zalo connect xa-d with OA A's code = %d %q; want 1 saying %q", rc, errOut, want)
		}
	}
	if row := tokenRow(t, c, "xa-d"); row != "" {
		t.Errorf("xa-d's pair = %q; want none: OA A is not D's", row)
	}
	afterA := tokenRow(t, c, "xa-a")
	if afterA == beforeA || !strings.HasSuffix(afterA, "|"+oas[0].ID) {
		t.Errorf("xa-a's pair = %q (before %q); want the new pair of OA %s", afterA, beforeA, oas[0].ID)
	}
	// A's stored pair is the live chain: its access token lapsed, it
	// refreshes and calls Zalo.
	if err := sim.ExpireAccessTokensOf(oas[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := c.ok("zalo", "status", "--commune", "xa-a"); !strings.Contains(got, "Kết nối tốt") || !strings.Contains(got, oas[0].ID) {
		t.Errorf("zalo status --commune xa-a after = %q; want connected to its OA, refreshed", got)
	}
	if got := auditDetails(t, c, "xa-a"); !strings.Contains(got, "cặp mã truy cập mới của OA số "+oas[0].ID) {
		t.Errorf("xa-a's audit log lacks the pair stored for it:\n%s", got)
	}
}

// auditDetails is the details of a commune's zalo.tokens audit entries,
// one a line.
func auditDetails(t *testing.T, c *cli, commune string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT detail FROM audit_log WHERE action = 'zalo.tokens'
		AND commune_id = (SELECT id FROM communes WHERE code = ?) ORDER BY id`, commune)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		b.WriteString(d + "\n")
	}
	return b.String()
}

// F14: in the state an older loaxa left (commune A's OA's new pair stored
// as B's), giving that token to A is refused without saying it is not A's
// OA: it says where it is stored and how to get out.
func TestZaloConnectRefusalOfAStoredTokenSaysOnlyWhatIsTrue(t *testing.T) {
	c, _, oas := provinceCLI(t, 1)
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`UPDATE zalo_tokens SET refresh_token = 'rt-of-oa-a-under-b', oa_id = ?
		WHERE commune_id = (SELECT id FROM communes WHERE code = 'xa-b')`, oas[0].ID)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, rc := c.run("rt-of-oa-a-under-b\n", "zalo", "connect", "--commune", "xa-a", "--refresh-token-file", "-")
	for _, want := range []string{"đang được lưu làm token của UBND xã B (xa-b)", "chưa được gửi cho Zalo",
		"OA số " + oas[0].ID + ", cũng là OA đang ghi cho UBND xã A (xa-a)", "loaxa zalo connect --commune xa-b"} {
		if rc != 1 || !strings.Contains(errOut, want) {
			t.Errorf("zalo connect xa-a with the token stored as B's = %d %q; want 1 saying %q", rc, errOut, want)
		}
	}
	if strings.Contains(errOut, "không phải của UBND xã A") {
		t.Errorf("the refusal says the token is not A's OA's, which is false: %q", errOut)
	}
}

// F3: with several communes a missing --commune is the usage error (exit
// 2) even when the token file or the password is bad too: nothing is
// read before the command line is known good.
func TestMissingCommuneComesBeforeTheFileOrPassword(t *testing.T) {
	c, _, _ := provinceCLI(t, 1)
	_, errOut, rc := c.run("", "zalo", "connect", "--refresh-token-file", "/dev/null")
	if rc != 2 || !strings.Contains(errOut, "--commune") || strings.Contains(errOut, "trống") {
		t.Errorf("zalo connect --refresh-token-file /dev/null without --commune = %d %q; want 2, the --commune usage error", rc, errOut)
	}
	_, errOut, rc = c.run("x\n", "user", "add", "--name", "lost", "--role", "editor")
	if rc != 2 || !strings.Contains(errOut, "--commune") || strings.Contains(errOut, "Mật khẩu") {
		t.Errorf("user add with a short password and no --commune = %d %q; want 2, the --commune usage error", rc, errOut)
	}
	// The checks themselves still run once the commune is named.
	_, errOut, rc = c.run("x\n", "user", "add", "--name", "lost", "--role", "editor", "--commune", "xa-a")
	if rc != 1 || !strings.Contains(errOut, "Mật khẩu quá ngắn") {
		t.Errorf("user add --commune xa-a with a short password = %d %q; want 1, the password refused", rc, errOut)
	}
	_, errOut, rc = c.run("", "zalo", "connect", "--commune", "xa-a", "--refresh-token-file", "/dev/null")
	if rc != 1 || !strings.Contains(errOut, "trống") {
		t.Errorf("zalo connect --commune xa-a --refresh-token-file /dev/null = %d %q; want 1, the empty file", rc, errOut)
	}
}

// F5: the audit entries of a refresh token given by hand, which staff
// read on Nhật ký, are Vietnamese, the refused one's reason too.
func TestHandRefreshAuditReadsInVietnamese(t *testing.T) {
	c, _, _ := provinceCLI(t, 1)
	_, bRT, _ := strings.Cut(tokenRow(t, c, "xa-b"), "|")
	bRT, _, _ = strings.Cut(bRT, "|")
	_, fresh := rotateOutside(t, c, bRT)
	if _, _, rc := c.run(fresh+"\n", "zalo", "connect", "--commune", "xa-a", "--refresh-token-file", "-"); rc != 1 {
		t.Fatalf("zalo connect xa-a with OA B's token = %d; want 1", rc)
	}
	got := auditDetails(t, c, "xa-a")
	for _, want := range []string{"nhập tay bằng lệnh loaxa zalo connect: đã gửi cho Zalo",
		"đã lưu cặp mã truy cập mới Zalo cấp cho nó", "đang được ghi là của UBND xã B (xa-b)"} {
		if !strings.Contains(got, want) {
			t.Errorf("xa-a's audit details lack %q:\n%s", want, got)
		}
	}
	if m := regexp.MustCompile(`(?i)\b(given|sent|stored|pair|refused|kept|commune)\b`).FindString(got); m != "" {
		t.Errorf("xa-a's audit details have the English word %q:\n%s", m, got)
	}
}
