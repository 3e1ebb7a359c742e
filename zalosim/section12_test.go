package zalosim

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// One test per fact of docs/zalo-oa-api.md §12 that the simulator
// serves, each written from Zalo's own pages (res/api.json in
// oneflow-vn/n8n-nodes-zalo), not from the client.

// §12 row 3: history items differ by type. A text item has message and no
// description; a photo item has thumb, url and description (the caption)
// and no message.
func TestSection12HistoryItemShapes(t *testing.T) {
	ts := NewTestServer(t)
	id := mustUpload(t, ts, pngBytes)
	postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "Họp tổ dân phố 19h"))
	postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, imageBody(g1, "template", "attachment_id", id, "Lịch tiêm chủng"))
	r := getAPI(t, ts.URL, PathConversation+"?group_id="+g1+"&offset=0&count=2", ts.AccessToken)
	checks := map[string]want{
		"error": num(0), "data": listOf(2),
		// newest first: the photo
		"data.0.type": str("photo"), "data.0.description": str("Lịch tiêm chủng"), "data.0.message": absent(),
		"data.0.url": anyStr(), "data.0.thumb": anyStr(), "data.0.src": num(0), "data.0.time": anyNum(),
		"data.0.message_id": anyStr(), "data.0.from_id": str(ts.OAID), "data.0.from_display_name": anyStr(),
		"data.0.from_avatar": anyStr(), "data.0.group_id": str(g1),
		"data.1.type": str("text"), "data.1.message": str("Họp tổ dân phố 19h"), "data.1.description": absent(),
		"data.1.url": absent(), "data.1.thumb": absent(), "data.1.src": num(0),
		// fields that are not on Zalo's page are not served
		"data.0.sent_time": absent(), "data.0.to_id": absent(),
	}
	for path, w := range checks {
		v, ok := r.get(path)
		if problem := w(v, ok); problem != "" {
			t.Errorf("%s = %s\nbody: %s", path, problem, r.raw)
		}
	}
}

// §12 row 3: a member's message (src 1) carries the member's id and name.
func TestSection12MemberItems(t *testing.T) {
	ts := NewTestServer(t)
	if _, ok := ts.PostAsMember(g1, "Nguyễn Văn Tư", "Dạ em đã nhận"); !ok {
		t.Fatal("PostAsMember: unknown group")
	}
	r := getAPI(t, ts.URL, PathConversation+"?group_id="+g1, ts.AccessToken)
	for path, w := range map[string]want{"data": listOf(1), "data.0.src": num(1), "data.0.type": str("text"),
		"data.0.message": str("Dạ em đã nhận"), "data.0.from_display_name": str("Nguyễn Văn Tư")} {
		v, ok := r.get(path)
		if problem := w(v, ok); problem != "" {
			t.Errorf("%s = %s\nbody: %s", path, problem, r.raw)
		}
	}
	if v, _ := r.get("data.0.from_id"); v == ts.OAID {
		t.Errorf("a member's message has the OA's from_id")
	}
	if n := len(ts.Messages(g1)); n != 0 {
		t.Errorf("Messages (the OA's sends) = %d; a member's post is not a send", n)
	}
	if st := ts.Stats(); st.Sends != 0 || st.MemberPosts != 1 {
		t.Errorf("stats = %+v; want 0 sends and 1 member post", st)
	}
}

// §12 row 4: count defaults to 5 and at most 10 items come back whatever
// count asks; offset pages further back.
func TestSection12ConversationPaging(t *testing.T) {
	ts := NewTestServer(t)
	for i := range 25 {
		postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, fmt.Sprintf("tin %02d", i)))
	}
	cases := []struct {
		query string
		n     int
		first string
	}{
		{"", 5, "tin 24"},
		{"&count=3", 3, "tin 24"},
		{"&count=50", MaxConversationCount, "tin 24"},
		{"&offset=10&count=10", 10, "tin 14"},
		{"&offset=20&count=10", 5, "tin 04"},
		{"&offset=25&count=10", 0, ""},
	}
	for _, c := range cases {
		r := getAPI(t, ts.URL, PathConversation+"?group_id="+g1+c.query, ts.AccessToken)
		if problem := listOf(c.n)(r.get("data")); problem != "" {
			t.Errorf("%q: data = %s", c.query, problem)
			continue
		}
		if c.n > 0 {
			if problem := str(c.first)(r.get("data.0.message")); problem != "" {
				t.Errorf("%q: data.0.message = %s", c.query, problem)
			}
		}
	}
	if MaxConversationCount != 10 {
		t.Errorf("MaxConversationCount = %d; §12 says at most 10", MaxConversationCount)
	}
}

// §12 row 6: the official examples write the header as access_token; the
// simulator reads it whatever the spelling on the wire (HTTP names are
// case-insensitive), lowercase included.
func TestSection12LowercaseHeaderOnTheWire(t *testing.T) {
	ts := NewTestServer(t)
	for _, name := range []string{"access_token", "Access_token", "ACCESS_TOKEN"} {
		body := textBody(g1, "x")
		raw := "POST " + PathGroupMessage + " HTTP/1.1\r\nHost: zalo\r\nContent-Type: application/json\r\n" +
			name + ": " + ts.AccessToken + "\r\nContent-Length: " + fmt.Sprint(len(body)) +
			"\r\nConnection: close\r\n\r\n" + body
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(ts.URL, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		answer, _ := bufio.NewReader(conn).ReadString(0)
		conn.Close()
		if !strings.Contains(answer, `"error":0`) {
			t.Errorf("header spelled %q: answer %q; want success", name, answer)
		}
	}
}

// §12 row 5 and the getgroup page: valid_through of a package set to a
// date comes back as that date in dd/mm/yyyy; auto_renew as "true".
func TestSection12GroupPackageStrings(t *testing.T) {
	ts := NewTestServer(t)
	ts.AddGroup(Group{ID: "a57a91e562b78be9d2a6", Name: "b52", Members: 2, MaxMember: 10,
		ValidThrough: time.Date(2024, 10, 10, 5, 0, 0, 0, time.UTC), AutoRenew: true})
	r := getAPI(t, ts.URL, PathGroupInfo+"?group_id=a57a91e562b78be9d2a6", ts.AccessToken)
	for path, w := range map[string]want{"data.group_info.total_member": num(2), "data.group_info.max_member": str("10"),
		"data.asset_info.valid_through": str("10/10/2024"), "data.asset_info.auto_renew": str("true"),
		"data.group_setting.lock_send_msg": boolean()} {
		v, ok := r.get(path)
		if problem := w(v, ok); problem != "" {
			t.Errorf("%s = %s\nbody: %s", path, problem, r.raw)
		}
	}
}

// §12 row 2: at most one element in a media template, and only one of
// attachment_id or url.
func TestSection12ImageElementRules(t *testing.T) {
	ts := NewTestServer(t)
	id := mustUpload(t, ts, pngBytes)
	two := `{"recipient":{"group_id":"` + g1 + `"},"message":{"text":"Ảnh","attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image","attachment_id":"` + id + `"},{"media_type":"image","attachment_id":"` + id + `"}]}}}}`
	both := `{"recipient":{"group_id":"` + g1 + `"},"message":{"text":"Ảnh","attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image","attachment_id":"` + id + `","url":"https://example.vn/a.png"}]}}}}`
	gifNoSize := `{"recipient":{"group_id":"` + g1 + `"},"message":{"text":"Ảnh","attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"gif","url":"https://example.vn/a.gif"}]}}}}`
	for name, body := range map[string]string{"two elements": two, "attachment_id and url": both, "gif without size": gifNoSize} {
		r := postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, body)
		if problem := num(-201)(r.get("error")); problem != "" {
			t.Errorf("%s: error = %s\nbody: %s", name, problem, r.raw)
		}
	}
	if n := len(ts.Messages(g1)); n != 0 {
		t.Errorf("%d messages recorded from refused sends", n)
	}
}
