package zalosim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Two communes' OAs under one app: An Phú owns a1 and a2, Khánh Bình b1.
const (
	oaA, oaB = "4100000000000000001", "4100000000000000002"
	a1, a2   = "aa00000000000000000a", "aa00000000000000000b"
	b1       = "bb00000000000000000a"
)

func twoOAs(opts ...Option) []Option {
	return append([]Option{WithOAs(
		OA{ID: oaA, Name: "UBND xã An Phú", Groups: []Group{{ID: a1, Name: "Ấp An Hòa"}, {ID: a2, Name: "Ấp An Lộc"}}},
		OA{ID: oaB, Name: "UBND xã Khánh Bình", Groups: []Group{{ID: b1, Name: "Ấp Khánh Hòa"}}},
	)}, opts...)
}

// oaCreds returns the test server's initial credentials of one OA.
func oaCreds(t *testing.T, ts *TestServer, id string) Credentials {
	t.Helper()
	for _, c := range ts.OAs {
		if c.OAID == id {
			return c
		}
	}
	t.Fatalf("no OA %s in %+v", id, ts.OAs)
	return Credentials{}
}

func oaStats(t *testing.T, ts *TestServer, id string) OAStats {
	t.Helper()
	for _, st := range ts.OAStats() {
		if st.OAID == id {
			return st
		}
	}
	t.Fatalf("no OA %s in OAStats", id)
	return OAStats{}
}

// A group belongs to one OA: another OA's token is "not in group" (-403)
// for a send, getgroup and conversation, and its group list leaves it out.
func TestCrossOAGroupIsNotInGroup(t *testing.T) {
	ts := NewTestServer(t, twoOAs()...)
	A, B := oaCreds(t, ts, oaA), oaCreds(t, ts, oaB)
	if A.RefreshToken == B.RefreshToken || A.AccessToken == B.AccessToken || A.AppID != B.AppID || A.AppSecret != B.AppSecret {
		t.Fatalf("credentials A %+v, B %+v; want one app and two token pairs", A, B)
	}
	if ts.OAID != oaA || ts.AccessToken != A.AccessToken {
		t.Errorf("TestServer's single-OA fields = %s, %s; want the first OA's", ts.OAID, ts.AccessToken)
	}

	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, A.AccessToken, textBody(a1, "Họp ấp"))); got != 0 {
		t.Fatalf("A sends to its own group: error %d", got)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "Họp ấp"))); got != 0 {
		t.Fatalf("B sends to its own group: error %d", got)
	}
	cross := []struct {
		name string
		r    reply
	}{
		{"send A→b1", postJSON(t, ts.URL, PathGroupMessage, A.AccessToken, textBody(b1, "nhầm xã"))},
		{"send B→a2", postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(a2, "nhầm xã"))},
		{"getgroup A b1", getAPI(t, ts.URL, PathGroupInfo+"?group_id="+b1, A.AccessToken)},
		{"conversation A b1", getAPI(t, ts.URL, PathConversation+"?group_id="+b1+"&offset=0&count=5", A.AccessToken)},
	}
	for _, c := range cross {
		if got := errCode(t, c.r); got != CodeNotInGroup || c.r.body["message"] != "OA is not in group" {
			t.Errorf("%s: %s; want -403 OA is not in group", c.name, c.r.raw)
		}
	}
	if got := len(ts.Messages(b1)); got != 1 {
		t.Errorf("b1 holds %d messages; want only B's own", got)
	}
	if m := ts.Messages(a1); len(m) != 1 || m[0].OAID != oaA {
		t.Errorf("a1 messages = %+v; want one, from OA A", m)
	}
	if st := oaStats(t, ts, oaA); st.NotInGroup != 3 || st.Sends != 1 {
		t.Errorf("OA A stats = %+v; want 3 not-in-group, 1 send", st)
	}

	list := func(token string) (int, []string) {
		r := getAPI(t, ts.URL, PathGroupsOfOA+"?offset=0&count=50", token)
		total, _ := r.get("data.total")
		var ids []string
		gs, _ := r.get("data.groups")
		for _, g := range gs.([]any) {
			ids = append(ids, g.(map[string]any)["group_id"].(string))
		}
		var tot int
		fmt.Sscan(fmt.Sprint(total), &tot)
		return tot, ids
	}
	if tot, ids := list(A.AccessToken); tot != 2 || strings.Join(ids, ",") != a1+","+a2 {
		t.Errorf("A's group list: total %d, %v; want its 2 groups", tot, ids)
	}
	if tot, ids := list(B.AccessToken); tot != 1 || strings.Join(ids, ",") != b1 {
		t.Errorf("B's group list: total %d, %v; want its 1 group", tot, ids)
	}

	// An image uploaded by one OA is not another OA's attachment.
	att := mustUpload(t, ts, pngBytes) // with the default OA's (A's) token
	if r := postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, imageBody(b1, "template", "attachment_id", att, "Bản đồ")); errCode(t, r) != CodeInvalidParam {
		t.Errorf("B sends A's attachment: %s; want -201", r.raw)
	}
	if r := postJSON(t, ts.URL, PathGroupMessage, A.AccessToken, imageBody(a1, "template", "attachment_id", att, "Bản đồ")); errCode(t, r) != 0 {
		t.Errorf("A sends its own attachment: %s", r.raw)
	}
}

// Each OA's refresh token rotates on its own: refreshing A spends only A's
// tokens, and a reuse of A's (strict mode) revokes only A's chain.
func TestOATokenChainsAreSeparate(t *testing.T) {
	ts := NewTestServer(t, twoOAs(WithConfig(func(c *Config) { c.RevokeOnReuse = true }))...)
	A, B := oaCreds(t, ts, oaA), oaCreds(t, ts, oaB)

	rt := A.RefreshToken
	var at string
	for i := range 3 {
		r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, rt))
		at = mustAccess(t, r)
		rt = r.body["refresh_token"].(string)
		if c, _ := ts.OACredentials(oaB); c.RefreshToken != B.RefreshToken || c.AccessToken != B.AccessToken {
			t.Fatalf("after A's refresh %d, B's pair changed: %+v", i, c)
		}
	}
	if c, _ := ts.OACredentials(oaA); c.RefreshToken != rt || c.AccessToken != at {
		t.Errorf("A's current pair = %+v; want the newest", c)
	}
	// A's new access token is still A's: B's group is not its.
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(b1, "x"))); got != CodeNotInGroup {
		t.Errorf("A's refreshed token to B's group: %d; want -403", got)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "x"))); got != 0 {
		t.Errorf("B's initial access token after A's refreshes: %d; want 0", got)
	}

	// A reuse of A's first refresh token revokes A's chain, not B's.
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, A.RefreshToken)); errCode(t, r) != CodeOAuthInvalidRefresh {
		t.Fatalf("reused A token: %s", r.raw)
	}
	if st := oaStats(t, ts, oaA); st.ReusedRefresh != 1 || st.ChainRevocations != 1 {
		t.Errorf("OA A stats = %+v; want 1 reuse, 1 revocation", st)
	}
	if st := oaStats(t, ts, oaB); st.ReusedRefresh != 0 || st.ChainRevocations != 0 {
		t.Errorf("OA B stats = %+v; want no reuse", st)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(a1, "x"))); got != CodeInvalidToken {
		t.Errorf("A's access token after its chain was revoked: %d; want -216", got)
	}
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, rt)); errCode(t, r) != CodeOAuthInvalidRefresh {
		t.Errorf("A's newest refresh token after the revocation: %s; want refused", r.raw)
	}
	r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, B.RefreshToken))
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, mustAccess(t, r), textBody(b1, "x"))); got != 0 {
		t.Errorf("B refreshes and sends after A's revocation: %d; want 0", got)
	}

	// Expiring and revoking one OA leaves the other.
	B2, _ := ts.OACredentials(oaB)
	if err := ts.RevokeRefreshTokenOf(oaB); err != nil {
		t.Fatal(err)
	}
	if err := ts.ExpireAccessTokensOf(oaB); err != nil {
		t.Fatal(err)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, B2.AccessToken, textBody(b1, "x"))); got != CodeExpiredToken {
		t.Errorf("B after ExpireAccessTokensOf: %d; want -220", got)
	}
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, B2.RefreshToken)); errCode(t, r) != CodeOAuthInvalidRefresh {
		t.Errorf("B's refresh after RevokeRefreshTokenOf: %s; want refused", r.raw)
	}
	if err := ts.ExpireAccessTokensOf("nope"); err != ErrNoSuchOA {
		t.Errorf("ExpireAccessTokensOf(unknown) = %v; want ErrNoSuchOA", err)
	}
}

// The authorisation page lets the admin pick any of the app's OAs; the
// code then connects that OA alone.
func TestAuthorizeAnyOA(t *testing.T) {
	ts := NewTestServer(t, twoOAs()...)
	A := oaCreds(t, ts, oaA)
	B := oaCreds(t, ts, oaB)
	q := url.Values{"app_id": {ts.AppID}, "redirect_uri": {"https://tinh.example.vn/zalo/callback"},
		"code_challenge": {pkceChallengeForTest(strings.Repeat("v", 43))}, "state": {"s1"}}

	status, page := getPage(t, ts.URL+PathPermission+"?"+q.Encode())
	if status != 200 || !strings.Contains(page, `<select id="oa_id" name="oa_id">`) ||
		!strings.Contains(page, "UBND xã An Phú") || !strings.Contains(page, "UBND xã Khánh Bình") {
		t.Fatalf("permission page with two OAs: %d %s; want a choice of both", status, page)
	}

	// The "Cho phép" form posted with B chosen.
	form := url.Values{"app_id": {ts.AppID}, "redirect_uri": {q.Get("redirect_uri")},
		"code_challenge": {q.Get("code_challenge")}, "state": {"s1"}, "oa_id": {oaB}}
	req := newRequest(t, "POST", ts.URL+PathPermission, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("oa_id") != oaB {
		t.Fatalf("grant for B: %d, Location %s; want 302 with oa_id=%s", resp.StatusCode, loc, oaB)
	}
	r := postForm(t, ts.URL, ts.AppSecret, url.Values{"code": {loc.Query().Get("code")}, "app_id": {ts.AppID},
		"grant_type": {"authorization_code"}, "code_verifier": {strings.Repeat("v", 43)}})
	at := mustAccess(t, r)
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(b1, "x"))); got != 0 {
		t.Errorf("B's new token to B's group: %d", got)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, at, textBody(a1, "x"))); got != CodeNotInGroup {
		t.Errorf("B's new token to A's group: %d; want -403", got)
	}
	// The exchange rotated B's chain and left A's.
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, B.RefreshToken)); errCode(t, r) != CodeOAuthInvalidRefresh {
		t.Errorf("B's old refresh token after the code exchange: %s; want refused", r.raw)
	}
	if c, _ := ts.OACredentials(oaA); c.RefreshToken != A.RefreshToken {
		t.Errorf("A's refresh token changed by B's authorisation")
	}
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, A.RefreshToken)); r.body["access_token"] == nil {
		t.Errorf("A's refresh token after B's authorisation: %s; want it still valid", r.raw)
	}
	if st := oaStats(t, ts, oaB); st.CodeExchanges != 1 {
		t.Errorf("OA B code exchanges = %d; want 1", st.CodeExchanges)
	}

	// auto=1 with oa_id authorises that OA at once; an unknown OA is refused.
	q.Set("auto", "1")
	q.Set("oa_id", oaA)
	req = newRequest(t, "GET", ts.URL+PathPermission+"?"+q.Encode(), nil)
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusFound || loc.Query().Get("oa_id") != oaA {
		t.Errorf("auto=1&oa_id=A: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	q.Set("oa_id", "4999999999999999999")
	if status, page := getPage(t, ts.URL+PathPermission+"?"+q.Encode()); status != 400 || !strings.Contains(page, "không thuộc ứng dụng này") {
		t.Errorf("unknown oa_id: %d; want 400 with an explanation", status)
	}
}

// Each OA's own limit answers -32 to that OA alone; the app's limit
// answers -32 to all. A call refused by either counts against neither.
func TestPerOARateLimit(t *testing.T) {
	c := newClock()
	ts := NewTestServer(t, WithClock(c.Now), WithRatePerMin(8), WithOAs(
		OA{ID: oaA, Name: "A", Groups: []Group{{ID: a1, Name: "a1"}}, RatePerMin: 3},
		OA{ID: oaB, Name: "B", Groups: []Group{{ID: b1, Name: "b1"}}},
	))
	A, B := oaCreds(t, ts, oaA), oaCreds(t, ts, oaB)
	sendA := func() reply { return postJSON(t, ts.URL, PathGroupMessage, A.AccessToken, textBody(a1, "x")) }
	sendB := func() reply { return postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "x")) }
	steps := []struct {
		name          string
		call          func() reply
		code          int
		limit, remain string
	}{
		{"A 1", sendA, 0, "3", "2"}, // A's own limit has fewer calls left than the app's (7)
		{"A 2", sendA, 0, "3", "1"},
		{"A 3", sendA, 0, "3", "0"},
		{"A 4: A's limit", sendA, CodeRateLimited, "3", "0"},
		{"B 1", sendB, 0, "8", "4"}, // A's refused call did not count against the app
		{"B 2", sendB, 0, "8", "3"},
		{"B 3", sendB, 0, "8", "2"},
		{"B 4", sendB, 0, "8", "1"},
		{"B 5", sendB, 0, "8", "0"},
		{"B 6: the app's limit", sendB, CodeRateLimited, "8", "0"},
		{"A 5: the app's limit first", sendA, CodeRateLimited, "8", "0"},
	}
	for _, s := range steps {
		r := s.call()
		code := 0
		if _, has := r.body["error"]; has {
			code = errCode(t, r)
		}
		if code != s.code || r.header.Get("X-RateLimit-Limit") != s.limit || r.header.Get("X-RateLimit-Remain") != s.remain {
			t.Errorf("%s: error %d, X-RateLimit %s/%s; want %d, %s/%s (%s)", s.name, code,
				r.header.Get("X-RateLimit-Remain"), r.header.Get("X-RateLimit-Limit"), s.code, s.remain, s.limit, r.raw)
		}
		if code == CodeRateLimited && r.body["message"] != "application/OA reached limit call api" {
			t.Errorf("%s: message %v", s.name, r.body["message"])
		}
	}
	stA, stB, st := oaStats(t, ts, oaA), oaStats(t, ts, oaB), ts.Stats()
	if stA.RateLimited != 2 || stA.OARateLimited != 1 || stA.Sends != 3 || stA.Requests != 5 {
		t.Errorf("OA A stats = %+v; want 2 rate limited (1 by its own limit), 3 sends, 5 requests", stA)
	}
	if stB.RateLimited != 1 || stB.OARateLimited != 0 || stB.Sends != 5 {
		t.Errorf("OA B stats = %+v; want 1 rate limited by the app, 5 sends", stB)
	}
	if st.RateLimited != 3 || st.OARateLimited != 1 {
		t.Errorf("app stats = %+v; want 3 rate limited, 1 by an OA's limit", st)
	}

	// A minute later both windows are empty; SetOARatePerMin changes A's
	// limit alone, and the per-OA answer can be configured.
	c.Add(time.Minute)
	if err := ts.SetOARatePerMin(oaA, 1); err != nil {
		t.Fatal(err)
	}
	if got := errCode(t, sendA()); got != 0 {
		t.Fatalf("A after a minute: %d", got)
	}
	if got := errCode(t, sendA()); got != CodeRateLimited {
		t.Errorf("A over its new limit of 1: %d; want -32", got)
	}
	if got := errCode(t, sendB()); got != 0 {
		t.Errorf("B while A is limited: %d; want 0", got)
	}
}

func TestPerOARateLimitAnswerIsConfigurable(t *testing.T) {
	ts := NewTestServer(t, WithOARateLimit(-211, "Out of quota"), WithOAs(
		OA{ID: oaA, Groups: []Group{{ID: a1}}, RatePerMin: 1}))
	postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(a1, "x"))
	if r := postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(a1, "x")); errCode(t, r) != -211 || r.body["message"] != "Out of quota" {
		t.Errorf("over the OA's limit with WithOARateLimit(-211): %s", r.raw)
	}
}

// Webhook events carry the OA that owns the group, signed with that OA's
// key (its own Secret, else the app's OA Secret Key).
func TestWebhookCarriesTheOA(t *testing.T) {
	appKey := newReceiver(t, "app-key")
	ts := NewTestServer(t, WithConfig(func(c *Config) { c.OASecret = "app-key"; c.WebhookURL = appKey.srv.URL }), WithOAs(
		OA{ID: oaA, Groups: []Group{{ID: a1}}},
		OA{ID: oaB, Groups: []Group{{ID: b1}}, Secret: "b-key"},
	))
	A := oaCreds(t, ts, oaA)
	postJSON(t, ts.URL, PathGroupMessage, A.AccessToken, textBody(a1, "từ A"))
	if _, err := ts.TriggerWebhook(TriggerRequest{Event: "user_join_group", GroupID: a1}); err != nil {
		t.Fatal(err)
	}
	ts.WaitWebhooks()
	evs, bad := appKey.got()
	if bad != 0 || len(evs) != 2 {
		t.Fatalf("A's events: %d, %d bad; want 2 signed with the app's key", len(evs), bad)
	}
	for _, ev := range evs {
		if ev["oa_id"] != oaA {
			t.Errorf("%v: oa_id %v; want %s", ev["event_name"], ev["oa_id"], oaA)
		}
	}
	for _, ev := range evs { // the echo is posted in the background: either may come first
		if s := ev["sender"].(map[string]any); ev["event_name"] == "oa_send_group_text" && s["id"] != oaA {
			t.Errorf("echo sender.id = %v; want OA A", s["id"])
		}
	}

	bKey := newReceiver(t, "b-key")
	ts.SetWebhook(bKey.srv.URL, "app-key")
	B := oaCreds(t, ts, oaB)
	if B.OASecret != "b-key" || A.OASecret != "app-key" {
		t.Errorf("OASecret A %q, B %q; want app-key, b-key", A.OASecret, B.OASecret)
	}
	postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "từ B"))
	ts.WaitWebhooks()
	evs, bad = bKey.got()
	if bad != 0 || len(evs) != 1 || evs[0]["oa_id"] != oaB {
		t.Fatalf("B's echo: %v, %d bad; want one with oa_id %s signed with B's key", evs, bad, oaB)
	}
	if ds := ts.WebhookDeliveries(); ds[len(ds)-1].OAID != oaB {
		t.Errorf("last delivery OAID = %q; want B", ds[len(ds)-1].OAID)
	}
	// An event of another OA about a group changes nothing in it.
	before, _ := ts.GroupsOf(oaB)[0], 0
	ts.TriggerWebhook(TriggerRequest{Event: "disperse_group", GroupID: b1, OAID: oaA})
	if got := ts.GroupsOf(oaB); len(got) != 1 || got[0] != before {
		t.Errorf("B's groups after A's disperse event: %+v", got)
	}
	ts.TriggerWebhook(TriggerRequest{Event: "disperse_group", GroupID: b1})
	if got := ts.GroupsOf(oaB); len(got) != 0 {
		t.Errorf("B's groups after B's disperse event: %+v; want none", got)
	}
	if _, known := ts.GroupOA(b1); known {
		t.Error("the dispersed group still has an owner")
	}
}

// The inspection API and the resident view say which OA owns each group
// and show each OA's counters.
func TestInspectionShowsOAs(t *testing.T) {
	ts := NewTestServer(t, twoOAs()...)
	B := oaCreds(t, ts, oaB)
	postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "Tin của Khánh Bình"))

	groups := doRaw(t, newRequest(t, "GET", ts.URL+"/_sim/groups", nil))
	if !strings.Contains(string(groups.raw), `"group_id":"`+b1+`","name":"Ấp Khánh Hòa"`) ||
		!strings.Contains(string(groups.raw), `"oa_id":"`+oaB+`"`) {
		t.Errorf("/_sim/groups = %s; want each group with its oa_id", groups.raw)
	}
	only := doRaw(t, newRequest(t, "GET", ts.URL+"/_sim/groups?oa_id="+oaA, nil))
	if strings.Contains(string(only.raw), b1) || !strings.Contains(string(only.raw), a2) {
		t.Errorf("/_sim/groups?oa_id=A = %s; want A's groups only", only.raw)
	}
	stats := doRaw(t, newRequest(t, "GET", ts.URL+"/_sim/stats", nil))
	if v, _ := stats.get("oas.1.sends"); fmt.Sprint(v) != "1" {
		t.Errorf("/_sim/stats oas.1.sends = %v (%s); want 1", v, stats.raw)
	}
	if v, _ := stats.get("sends"); fmt.Sprint(v) != "1" {
		t.Errorf("/_sim/stats sends = %v; want the app-wide counters kept", v)
	}
	oas := doRaw(t, newRequest(t, "GET", ts.URL+"/_sim/oas", nil))
	if !strings.Contains(string(oas.raw), `"oa_id":"`+oaB+`","name":"UBND xã Khánh Bình","groups":1`) {
		t.Errorf("/_sim/oas = %s", oas.raw)
	}
	cred := doRaw(t, newRequest(t, "GET", ts.URL+"/_sim/credentials?oa_id="+oaB, nil))
	if cred.body["refresh_token"] != B.RefreshToken || cred.body["oa_id"] != oaB {
		t.Errorf("/_sim/credentials?oa_id=B = %s", cred.raw)
	}
	if all := doRaw(t, newRequest(t, "GET", ts.URL+"/_sim/credentials?all=1", nil)); !strings.Contains(string(all.raw), B.RefreshToken) ||
		!strings.Contains(string(all.raw), ts.RefreshToken) {
		t.Errorf("/_sim/credentials?all=1 = %s; want both OAs", all.raw)
	}
	msgs := doRaw(t, newRequest(t, "GET", ts.URL+"/_sim/messages?oa_id="+oaA, nil))
	if strings.TrimSpace(string(msgs.raw)) != "[]" {
		t.Errorf("/_sim/messages?oa_id=A = %s; want none", msgs.raw)
	}
	// POST /_sim/groups adds to the OA named; a group of another OA is refused.
	add := doRaw(t, newRequest(t, "POST", ts.URL+"/_sim/groups", strings.NewReader(`{"group_id":"bb0b","name":"Ấp mới","oa_id":"`+oaB+`"}`)))
	if add.status != 200 || func() string { id, _ := ts.GroupOA("bb0b"); return id }() != oaB {
		t.Errorf("POST /_sim/groups with oa_id B: %d %s", add.status, add.raw)
	}
	if r := doRaw(t, newRequest(t, "POST", ts.URL+"/_sim/groups", strings.NewReader(`{"group_id":"`+a1+`","oa_id":"`+oaB+`"}`))); r.status != 400 {
		t.Errorf("POST /_sim/groups moving A's group to B: %d; want 400", r.status)
	}
	if r := doRaw(t, newRequest(t, "POST", ts.URL+"/_sim/rate", strings.NewReader(`{"rate_per_min":7,"oa_id":"`+oaB+`"}`))); r.status != 200 ||
		oaStats(t, ts, oaB).RatePerMin != 7 {
		t.Errorf("POST /_sim/rate for B: %d %s", r.status, r.raw)
	}
	doRaw(t, newRequest(t, "POST", ts.URL+"/_sim/expire-tokens?oa_id="+oaB, nil))
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(a1, "x"))); got != 0 {
		t.Errorf("A after B's tokens were expired: %d", got)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "x"))); got != CodeExpiredToken {
		t.Errorf("B after its tokens were expired: %d; want -220", got)
	}

	status, page := getPage(t, ts.URL+"/")
	for _, want := range []string{"Nhóm của 2 Official Account", "UBND xã An Phú", "UBND xã Khánh Bình",
		`id="oa-` + oaB + `"`, "OA " + oaB + " · 2 nhóm · 2 lệnh gọi API · 1 tin đã gửi · 0 lần vượt giới hạn (-32), giới hạn riêng 7/phút"} {
		if !strings.Contains(page, want) {
			t.Errorf("index (%d) lacks %q", status, want)
		}
	}
	if i, j := strings.Index(page, `id="oa-`+oaB+`"`), strings.Index(page, `href="/groups/`+b1+`"`); i < 0 || j < i {
		t.Errorf("b1 is not listed under OA B")
	}
	if _, chat := getPage(t, ts.URL+"/groups/"+b1); !strings.Contains(chat, "UBND xã Khánh Bình") {
		t.Errorf("b1's chat does not name its OA as the sender")
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"group in two OAs", Config{OAs: []OA{{ID: "1", Groups: []Group{{ID: "g"}}}, {ID: "2", Groups: []Group{{ID: "g"}}}}}, "belongs to one OA"},
		{"OA twice", Config{OAs: []OA{{ID: "1"}, {ID: "1"}}}, "given twice"},
		{"OAs and Groups", Config{OAs: []OA{{ID: "1"}}, Groups: DefaultGroups()}, "not both"},
		{"negative OA rate", Config{OAs: []OA{{ID: "1", RatePerMin: -1}}}, "negative"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Validate = %v; want %q", c.name, err, c.want)
		}
	}
	if err := (Config{Groups: DefaultGroups()}).Validate(); err != nil {
		t.Errorf("the single-OA config: %v", err)
	}
}

func TestReadOAsFile(t *testing.T) {
	f, err := ReadOAsFile(strings.NewReader(`{"oas":[{"oa_id":"1","name":"UBND xã An Phú","rate_per_min":100,
		"groups":[{"group_id":"g1","name":"Ấp 1","total_member":40}]},{"name":"Xã 2","groups":[]}],"oa_rate_code":-32}`))
	if err != nil || len(f.OAs) != 2 || f.OAs[0].RatePerMin != 100 || f.OAs[0].Groups[0].Members != 40 {
		t.Fatalf("ReadOAsFile = %+v, %v", f, err)
	}
	for _, bad := range []string{`{"oas":[]}`, `{"oas":[{"oa_id":"1","grups":[]}]}`, `[{"oa_id":"1"}]`,
		`{"oas":[{"groups":[{"group_id":"g"}]},{"groups":[{"group_id":"g"}]}]}`, `{"oas":[{}],"oa_rate_code":32}`} {
		if _, err := ReadOAsFile(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadOAsFile(%s) accepted it", bad)
		}
	}
}

// A fault for one OA hits that OA's calls only: a -32 for B while A sends.
func TestFaultForOneOA(t *testing.T) {
	ts := NewTestServer(t, twoOAs()...)
	A, B := oaCreds(t, ts, oaA), oaCreds(t, ts, oaB)
	ts.FailNext(1, FaultCode(CodeRateLimited).ForOA(oaB))
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, A.AccessToken, textBody(a1, "x"))); got != 0 {
		t.Errorf("A's send with a fault queued for B: %d; want 0", got)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "x"))); got != CodeRateLimited {
		t.Errorf("B's send: %d; want the -32 queued for B", got)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "x"))); got != 0 {
		t.Errorf("B's next send: %d; want 0", got)
	}
	r := doRaw(t, newRequest(t, "POST", ts.URL+"/_sim/faults", strings.NewReader(`{"kind":"code","code":-32,"next":1,"oa_id":"`+oaA+`"}`)))
	if r.status != 200 || !strings.Contains(string(r.raw), "for OA "+oaA) {
		t.Fatalf("POST /_sim/faults for A: %d %s", r.status, r.raw)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, B.AccessToken, textBody(b1, "x"))); got != 0 {
		t.Errorf("B's send with a fault queued for A: %d; want 0", got)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, A.AccessToken, textBody(a1, "x"))); got != CodeRateLimited {
		t.Errorf("A's send: %d; want the -32 queued for A", got)
	}
	if r := doRaw(t, newRequest(t, "POST", ts.URL+"/_sim/faults", strings.NewReader(`{"kind":"code","code":-32,"next":1,"oa_id":"nope"}`))); r.status != 400 {
		t.Errorf("a fault for an unknown OA: %d; want 400", r.status)
	}
}
