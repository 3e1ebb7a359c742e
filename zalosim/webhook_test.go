package zalosim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint that checks the signature as §8 states
// it, written here from the document, and keeps what it got.
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	events []map[string]any
	bad    int
	srv    *httptest.Server
}

func newReceiver(t *testing.T, secret string) *receiver {
	rc := &receiver{t: t, secret: secret}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("webhook body is not JSON: %s", body)
		}
		appID, _ := ev["app_id"].(string)
		ts, _ := ev["timestamp"].(string) // §0: a string
		sum := sha256.Sum256([]byte(appID + string(body) + ts + rc.secret))
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if r.Header.Get("X-ZEvent-Signature") != "mac="+hex.EncodeToString(sum[:]) ||
			r.Header.Get("User-Agent") != "ZaloWebhook" || r.Header.Get("X-ZEvent-Server") != "OA OpenAPI" {
			rc.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rc.events = append(rc.events, ev)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) got() ([]map[string]any, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.events...), rc.bad
}

func TestWebhookEchoesGroupSends(t *testing.T) {
	rc := newReceiver(t, "oa-secret")
	fake := NewTestServer(t, WithConfig(func(c *Config) { c.OASecret = "oa-secret" }))
	fake.SetWebhook(rc.srv.URL, "oa-secret")
	g := DefaultGroups()[0].ID
	sent := postJSON(t, fake.URL, PathGroupMessage, fake.AccessToken, textBody(g, "Họp thôn 19h"))
	id, _ := sent.get("data.message_id")
	img := postJSON(t, fake.URL, PathGroupMessage, fake.AccessToken,
		imageBody(g, "template", "url", "https://loa.example/anh.png", "Bản đồ ngập"))
	imgID, _ := img.get("data.message_id")
	refused := postJSON(t, fake.URL, PathGroupMessage, fake.AccessToken, textBody("not-a-group", "x"))
	if errCode(t, refused) == 0 {
		t.Fatal("send to an unknown group succeeded")
	}
	fake.WaitWebhooks()
	evs, bad := rc.got()
	if bad != 0 || len(evs) != 2 {
		t.Fatalf("receiver got %d events, %d badly signed; want 2 echoes, 0 bad: %v", len(evs), bad, evs)
	}
	byName := map[string]map[string]any{}
	for _, ev := range evs {
		byName[ev["event_name"].(string)] = ev
		if ev["app_id"] != fake.AppID || ev["oa_id"] != fake.OAID {
			t.Errorf("echo app_id, oa_id = %v, %v; want %s, %s", ev["app_id"], ev["oa_id"], fake.AppID, fake.OAID)
		}
		if r := ev["recipient"].(map[string]any); r["id"] != g {
			t.Errorf("echo recipient.id = %v; want the group %s", r["id"], g)
		}
	}
	text := byName["oa_send_group_text"]["message"].(map[string]any)
	if text["msg_id"] != id || text["text"] != "Họp thôn 19h" {
		t.Errorf("text echo message = %v; want msg_id %v and the text", text, id)
	}
	photo, ok := byName["oa_send_group_image"]["message"].(map[string]any)
	if !ok || photo["msg_id"] != imgID || photo["text"] != "Bản đồ ngập" || photo["attachments"] == nil {
		t.Errorf("image echo message = %v; want msg_id %v, the caption and attachments", photo, imgID)
	}
	if ds := fake.WebhookDeliveries(); len(ds) != 2 || ds[0].Status != 200 || ds[0].Late {
		t.Errorf("WebhookDeliveries = %+v; want two answered 200 in time", ds)
	}
}

func TestWebhookTrigger(t *testing.T) {
	rc := newReceiver(t, "s3")
	fake := NewTestServer(t, WithConfig(func(c *Config) { c.WebhookURL, c.OASecret = rc.srv.URL, "s3" }))
	g := DefaultGroups()[1]
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"event":"user_join_group","group_id":"` + g.ID + `"}`, 200},
		{`{"event":"user_out_group","group_id":"` + g.ID + `","user_id":"u9"}`, 200},
		{`{"event":"user_join_group","group_id":"` + g.ID + `"}`, 200},
		{`{"event":"disperse_group","group_id":"` + g.ID + `","forge":true}`, 401},
		{`{"event":"oa_send_group_text","group_id":"` + g.ID + `","text":"chào","msg_id":"m1"}`, 200},
	} {
		r := doRaw(t, newRequest(t, "POST", fake.URL+"/_sim/webhook", strings.NewReader(tc.body)))
		if r.status != 200 {
			t.Fatalf("POST /_sim/webhook %s = %d %s", tc.body, r.status, r.raw)
		}
		if got, _ := r.get("status"); got == nil || got.(json.Number).String() != strconv.Itoa(tc.status) {
			t.Errorf("POST /_sim/webhook %s: receiver answered %v; want %d", tc.body, got, tc.status)
		}
	}
	evs, bad := rc.got()
	if len(evs) != 4 || bad != 1 {
		t.Fatalf("receiver got %d good, %d bad; want 4, 1", len(evs), bad)
	}
	if s := evs[1]["sender"].(map[string]any); s["id"] != "u9" {
		t.Errorf("user_out_group sender = %v; want u9", s)
	}
	if m := evs[3]["message"].(map[string]any); m["msg_id"] != "m1" || m["text"] != "chào" {
		t.Errorf("triggered echo message = %v", m)
	}
	for _, gg := range fake.Groups() {
		if gg.ID == g.ID && gg.Members != g.Members+1 {
			t.Errorf("members after join, leave, join = %d; want %d", gg.Members, g.Members+1)
		}
	}
	r := doRaw(t, newRequest(t, "POST", fake.URL+"/_sim/webhook", strings.NewReader(`{"event":"x"}`)))
	if r.status != 400 {
		t.Errorf("trigger without group_id = %d; want 400", r.status)
	}
}

func TestWebhookOffAndClose(t *testing.T) {
	fake := NewTestServer(t)
	g := DefaultGroups()[0].ID
	postJSON(t, fake.URL, PathGroupMessage, fake.AccessToken, textBody(g, "không có webhook"))
	if ds := fake.WebhookDeliveries(); len(ds) != 0 {
		t.Errorf("without a webhook URL %d events were posted", len(ds))
	}
	// A receiver that never answers does not hold Close up.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}))
	defer hang.Close()
	fake.SetWebhook(hang.URL, "k")
	postJSON(t, fake.URL, PathGroupMessage, fake.AccessToken, textBody(g, "chậm"))
	start := time.Now()
	fake.Close()
	if took := time.Since(start); took > time.Second {
		t.Errorf("Close took %v with an echo under way; want it cut short", took)
	}
}

// A disbanded group (or a revoked permission) takes the OA out of it, as
// Zalo would: sends and getgroup answer -403. A forged event changes
// nothing in the simulated Zalo.
func TestWebhookDisbandTakesTheOAOut(t *testing.T) {
	rc := newReceiver(t, "s4")
	fake := NewTestServer(t, WithConfig(func(c *Config) { c.WebhookURL, c.OASecret = rc.srv.URL, "s4" }))
	g := DefaultGroups()[2]
	before := len(fake.Groups())
	doRaw(t, newRequest(t, "POST", fake.URL+"/_sim/webhook",
		strings.NewReader(`{"event":"user_join_group","group_id":"`+g.ID+`","forge":true}`)))
	for _, gg := range fake.Groups() {
		if gg.ID == g.ID && gg.Members != g.Members {
			t.Errorf("members after a forged join = %d; want %d", gg.Members, g.Members)
		}
	}
	doRaw(t, newRequest(t, "POST", fake.URL+"/_sim/webhook",
		strings.NewReader(`{"event":"disperse_group","group_id":"`+g.ID+`"}`)))
	if r := postJSON(t, fake.URL, PathGroupMessage, fake.AccessToken, textBody(g.ID, "x")); num(-403)(r.get("error")) != "" {
		t.Errorf("send to a disbanded group: %s; want -403", r.raw)
	}
	if r := getAPI(t, fake.URL, PathGroupInfo+"?group_id="+g.ID, fake.AccessToken); num(-403)(r.get("error")) != "" {
		t.Errorf("getgroup of a disbanded group: %s; want -403", r.raw)
	}
	if n := len(fake.Groups()); n != before-1 {
		t.Errorf("%d groups after a disband; want %d", n, before-1)
	}
}
