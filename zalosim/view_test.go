package zalosim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestResidentView(t *testing.T) {
	c := newClock() // 10:20 UTC = 17:20 in Vietnam
	ts := NewTestServer(t, WithClock(c.Now))
	postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, `<script>alert("x")</script> & <b>đậm</b>`))
	id := mustUpload(t, ts, pngBytes)
	postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, imageBody(g1, "template", "attachment_id", id, "Ảnh hiện trường"))

	status, page := getPage(t, ts.URL+"/groups/"+g1)
	if status != 200 {
		t.Fatalf("chat status = %d", status)
	}
	for _, want := range []string{
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;`,
		`name="viewport"`, `lang="vi"`, "Khóm 1", "17:20", "Hôm nay", "Ảnh hiện trường",
		`src="/_sim/attachments/` + id + `"`, `src="/_sim/static/view.js"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("chat page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<b>đậm") {
		t.Error("chat page contains unescaped markup from a message")
	}
	if strings.Contains(page, "<script>") {
		t.Error("chat page has an inline script")
	}

	status, page = getPage(t, ts.URL+"/")
	if status != 200 || !strings.Contains(page, `href="/groups/`+g1+`"`) || !strings.Contains(page, "Ấp Tân Hòa") {
		t.Errorf("index: %d, lacks the groups", status)
	}
	if status, _ := getPage(t, ts.URL+"/groups/nope"); status != 404 {
		t.Errorf("unknown group: status %d; want 404", status)
	}
	resp, err := http.Get(ts.URL + "/_sim/attachments/" + id)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(img, pngBytes) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("attachment: %q %d bytes", resp.Header.Get("Content-Type"), len(img))
	}
	for _, p := range []string{"/_sim/static/style.css", "/_sim/static/view.js"} {
		if status, _ := getPage(t, ts.URL+p); status != 200 {
			t.Errorf("%s: status %d", p, status)
		}
	}
}

func TestInspectionAPI(t *testing.T) {
	ts := NewTestServer(t)
	post := func(path, body string) int {
		resp, err := http.Post(ts.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post("/_sim/groups", `{"group_id":"g-moi","name":"Thôn Mới"}`); s != 200 {
		t.Fatalf("add group: %d", s)
	}
	if s := post("/_sim/faults", `{"kind":"code","code":-248,"next":1}`); s != 200 {
		t.Fatalf("add fault: %d", s)
	}
	if s := post("/_sim/faults", `{"kind":"bogus","next":1}`); s != 400 {
		t.Errorf("bogus fault: %d; want 400", s)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody("g-moi", "a"))); got != CodeContentPolicy {
		t.Fatalf("send after fault: %d", got)
	}
	postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody("g-moi", "b"))

	var msgs []Message
	getJSON(t, ts.URL+"/_sim/messages?group_id=g-moi", &msgs)
	if len(msgs) != 1 || msgs[0].Text != "b" {
		t.Fatalf("/_sim/messages = %+v", msgs)
	}
	var st Stats
	getJSON(t, ts.URL+"/_sim/stats", &st)
	if st.Sends != 1 || st.Faults != 1 || st.Requests != 2 {
		t.Errorf("/_sim/stats = %+v", st)
	}
	var cr Credentials
	getJSON(t, ts.URL+"/_sim/credentials", &cr)
	if cr.AccessToken != ts.AccessToken || cr.AppSecret != ts.AppSecret {
		t.Errorf("/_sim/credentials = %+v", cr)
	}
	if s := post("/_sim/expire-tokens", ``); s != 200 {
		t.Fatalf("expire: %d", s)
	}
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody("g-moi", "c"))); got != CodeExpiredToken {
		t.Errorf("after /_sim/expire-tokens: %d", got)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", u, err)
	}
}

func TestParseGroups(t *testing.T) {
	cases := []struct {
		in      string
		want    []Group
		wantErr bool
	}{
		{"g1,g2", []Group{{ID: "g1", Name: "Nhóm g1"}, {ID: "g2", Name: "Nhóm g2"}}, false},
		{" g1=Khóm 1 , g2 ", []Group{{ID: "g1", Name: "Khóm 1"}, {ID: "g2", Name: "Nhóm g2"}}, false},
		{"", nil, false},
		{"g1,g1", nil, true},
		{"=Tên", nil, true},
	}
	for _, tc := range cases {
		got, err := ParseGroups(tc.in)
		if (err != nil) != tc.wantErr || len(got) != len(tc.want) {
			t.Errorf("ParseGroups(%q) = %v, %v; want %v (err %v)", tc.in, got, err, tc.want, tc.wantErr)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseGroups(%q)[%d] = %+v; want %+v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	s := New(Config{Groups: DefaultGroups()}, testLogger(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.FailNext(1, FaultSlow.Taking(time.Hour)) // Serve must not wait for it
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	inflight := make(chan struct{})
	go func() {
		defer close(inflight)
		req, _ := http.NewRequest("POST", base+PathGroupMessage, strings.NewReader(textBody(g1, "x")))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("access_token", s.Credentials().AccessToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	var out bytes.Buffer
	PrintBanner(&out, base, s)
	if !strings.Contains(out.String(), "ZALO_APP_SECRET="+s.Credentials().AppSecret) {
		t.Errorf("banner lacks the secret:\n%s", out.String())
	}
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve = %v; want nil", err)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	<-inflight
	if got := len(s.Messages(g1)); got != 1 {
		t.Errorf("the slow send in flight at shutdown: %d messages; want 1", got)
	}
}
