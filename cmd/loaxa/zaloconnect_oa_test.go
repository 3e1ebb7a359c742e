package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// rotateOutside spends refresh with Zalo as someone outside loaxa would
// (the API Explorer, another tool), and returns the new pair.
func rotateOutside(t *testing.T, c *cli, refresh string) (access, newRefresh string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.env["ZALO_OAUTH_BASE"]+"/v4/oa/access_token", strings.NewReader(url.Values{
		"refresh_token": {refresh}, "app_id": {c.env["ZALO_APP_ID"]}, "grant_type": {"refresh_token"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header["secret_key"] = []string{c.env["ZALO_APP_SECRET"]}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || ans.RefreshToken == "" {
		t.Fatalf("refresh outside loaxa: %v %+v", err, ans)
	}
	return ans.AccessToken, ans.RefreshToken
}

// handRows counts the daemon_state rows of refresh tokens given by hand.
func handRows(t *testing.T, c *cli) int {
	t.Helper()
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM daemon_state WHERE key LIKE 'zalo_hand_refresh:%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A refresh token of another commune's OA that loaxa has never stored (a
// fresh one from the API Explorer) cannot be told apart before it is
// spent: Zalo names the OA only to the new access token. It is spent, but
// its pair is not stored for the wrong commune; both communes keep their
// pairs and keep sending, and the operator is told what happened and what
// to do.
func TestZaloConnectAnotherOAsFreshTokenStoresNothing(t *testing.T) {
	c, sim, oas := provinceCLI(t, 1)
	beforeA, beforeB := tokenRow(t, c, "xa-a"), tokenRow(t, c, "xa-b")
	_, bRT, _ := strings.Cut(beforeB, "|")
	bRT, _, _ = strings.Cut(bRT, "|")
	_, fresh := rotateOutside(t, c, bRT) // OA B's newest token; loaxa holds B's older pair
	refreshes := sim.OAStats()[1].Refreshes

	out, errOut, code := c.run(fresh+"\n", "zalo", "connect", "--commune", "xa-a", "--refresh-token-file", "-")
	for _, want := range []string{"chưa kết nối", "OA số " + oas[1].ID, "UBND xã B (xa-b)", "không phải OA của UBND xã A (xa-a)",
		"đã dùng rồi, đừng dùng lại", "Cặp token mới không được lưu cho UBND xã A (xa-a)", "được giữ nguyên", "loaxa zalo connect --commune xa-b"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("zalo connect xa-a with OA B's token = %d %q %q; want 1 saying %q", code, out, errOut, want)
		}
	}
	if got := sim.OAStats()[1].Refreshes; got != refreshes+1 {
		t.Errorf("OA B's refreshes = %d; want %d: the token given was spent", got, refreshes+1)
	}
	if after := tokenRow(t, c, "xa-a"); after != beforeA {
		t.Errorf("xa-a's pair = %q; want it as it was, %q", after, beforeA)
	}
	if after := tokenRow(t, c, "xa-b"); after != beforeB {
		t.Errorf("xa-b's pair = %q; want it as it was, %q", after, beforeB)
	}
	if n := handRows(t, c); n != 0 {
		t.Errorf("%d records of the token given left behind; want none", n)
	}
	if got := c.ok("zalo", "status", "--commune", "xa-a"); !strings.Contains(got, "Kết nối tốt") || !strings.Contains(got, oas[0].ID) {
		t.Errorf("zalo status --commune xa-a after = %q; want still connected to its own OA", got)
	}
}

// A kill between Zalo's answer and the end of `zalo connect` loses no
// usable pair: the commune's stored pair is untouched until the end, Zalo's
// new pair is written down first, and the next run finishes it without
// sending anything; a token that went to Zalo without its answer being
// stored is never sent again.
func TestZaloConnectKilledMidwayLosesNoPair(t *testing.T) {
	c, sim, oas := provinceCLI(t, 1)
	ctx := context.Background()
	before := tokenRow(t, c, "xa-a")
	_, aRT, _ := strings.Cut(before, "|")
	aRT, _, _ = strings.Cut(aRT, "|")
	_, fresh := rotateOutside(t, c, aRT) // OA A's newest token, from outside loaxa

	// As zalo connect does, up to the kill: the token recorded, spent with
	// Zalo, its new pair written down; then nothing more.
	s, err := notices.Open(ctx, c.db, notices.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := s.CommuneByCode(ctx, "xa-a")
	if err != nil {
		t.Fatal(err)
	}
	tokens := s.CommuneTokens(cm.ID)
	if _, held, _, _, err := tokens.BeginHandRefresh(ctx, fresh); err != nil || held != "" {
		t.Fatalf("BeginHandRefresh = %q, %v", held, err)
	}
	access, pair := rotateOutside(t, c, fresh) // Zalo's answer to the token given…
	exchanged := sim.OAStats()[0].Refreshes
	if err := tokens.HoldHandPair(ctx, access, pair, s.Now().AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	s.Close() // …and the kill.
	if after := tokenRow(t, c, "xa-a"); after != before {
		t.Errorf("xa-a's stored pair after the kill = %q; want the old one, still usable, %q", after, before)
	}

	// The next run finishes the held pair and sends nothing.
	out, errOut, code := c.run("any-token\n", "zalo", "connect", "--commune", "xa-a", "--refresh-token-file", "-")
	if code != 0 || !strings.Contains(out, "Đã hoàn tất lần kết nối trước") {
		t.Fatalf("zalo connect after the kill = %d %q %q; want it to finish the earlier run", code, out, errOut)
	}
	if got := sim.OAStats()[0].Refreshes; got != exchanged {
		t.Errorf("OA A's refreshes = %d; want %d: finishing sends nothing", got, exchanged)
	}
	if row := tokenRow(t, c, "xa-a"); !strings.HasPrefix(row, access+"|"+pair+"|") || !strings.HasSuffix(row, "|"+oas[0].ID) {
		t.Errorf("xa-a's pair = %q; want the held pair stored, of OA %s", row, oas[0].ID)
	}
	if n := handRows(t, c); n != 0 {
		t.Errorf("%d records left after finishing; want none", n)
	}

	// A token recorded as sent, whose answer was lost, is refused, unsent.
	s, err = notices.Open(ctx, c.db, notices.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	lost := "rt-whose-answer-was-lost"
	if _, _, _, _, err := s.CommuneTokens(cm.ID).BeginHandRefresh(ctx, lost); err != nil {
		t.Fatal(err)
	}
	s.Close()
	stored := tokenRow(t, c, "xa-a")
	_, errOut, code = c.run(lost+"\n", "zalo", "connect", "--commune", "xa-a", "--refresh-token-file", "-")
	if code != 1 || !strings.Contains(errOut, "đã được gửi cho Zalo trước đây") || !strings.Contains(errOut, "giữ nguyên") {
		t.Errorf("zalo connect with a token sent before = %d %q; want 1, refused unsent", code, errOut)
	}
	if got := sim.OAStats()[0].Refreshes; got != exchanged {
		t.Errorf("OA A's refreshes = %d; want %d: the token sent before is not sent again", got, exchanged)
	}
	if row := tokenRow(t, c, "xa-a"); row != stored {
		t.Errorf("xa-a's pair = %q; want it as it was", row)
	}
}
