package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/loaxa/loaxa/bot"
)

func decodeBody(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		t.Fatalf("decode request body: %v", err)
	}
	return m
}

func checkRequest(t *testing.T, r *http.Request, method, path string) {
	t.Helper()
	if r.Method != method || r.URL.Path != path {
		t.Errorf("request = %s %s; want %s %s", r.Method, r.URL.Path, method, path)
	}
	if r.Header.Get("Authorization") != "" {
		t.Errorf("Authorization header sent; Zalo wants access_token")
	}
}

func TestSendGroupText(t *testing.T) {
	f := newFake(t)
	f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodPost, "/v3.0/oa/group/message")
		if got := r.Header.Get("access_token"); got != "access-0" {
			t.Errorf("access_token header = %q; want access-0", got)
		}
		body := decodeBody(t, r)
		want := `{"message":{"text":"Họp thôn 19h tối nay"},"recipient":{"group_id":"f414c8f76fa586fbdfb4"}}`
		if got, _ := json.Marshal(body); string(got) != want {
			t.Errorf("body = %s; want %s", got, want)
		}
		ok(w, map[string]any{"message_id": "81d74a9cd71d6f473608", "group_id": "f414c8f76fa586fbdfb4"})
	})
	c := newClient(t, f, &memStore{})
	id, err := c.SendGroupText(context.Background(), "f414c8f76fa586fbdfb4", "Họp thôn 19h tối nay")
	if err != nil || id != "81d74a9cd71d6f473608" {
		t.Fatalf("SendGroupText = %q, %v; want 81d74a9cd71d6f473608, nil", id, err)
	}
}

func TestSendGroupImage(t *testing.T) {
	f := newFake(t)
	f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodPost, "/v3.0/oa/group/message")
		got, _ := json.Marshal(decodeBody(t, r))
		want := `{"message":{"attachment":{"payload":{"elements":[{"attachment_id":"att-1","media_type":"image"}],` +
			`"template_type":"media"},"type":"template"},"text":"Bản đồ điểm tiêm"},"recipient":{"group_id":"g1"}}`
		if string(got) != want {
			t.Errorf("body = %s; want %s", got, want)
		}
		// A 19-digit numeric ID must come back digit for digit.
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"message_id":1234567890123456789},"error":0,"message":"Success"}`)
	})
	c := newClient(t, f, &memStore{})
	id, err := c.SendGroupImage(context.Background(), "g1", "att-1", "Bản đồ điểm tiêm")
	if err != nil || id != "1234567890123456789" {
		t.Fatalf("SendGroupImage = %q, %v; want 1234567890123456789, nil", id, err)
	}
}

func TestUploadImage(t *testing.T) {
	f := newFake(t)
	img := []byte("\x89PNG\r\n\x1a\n fake png")
	f.handle("/v2.0/oa/upload/image", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodPost, "/v2.0/oa/upload/image")
		file, hdr, err := r.FormFile("file")
		if err != nil {
			t.Fatalf("multipart field file: %v", err)
		}
		data, _ := io.ReadAll(file)
		if hdr.Filename != "map.png" || string(data) != string(img) {
			t.Errorf("upload = %q (%d bytes); want map.png (%d bytes)", hdr.Filename, len(data), len(img))
		}
		ok(w, map[string]any{"attachment_id": "att-42"})
	})
	c := newClient(t, f, &memStore{})
	id, err := c.UploadImage(context.Background(), "map.png", img)
	if err != nil || id != "att-42" {
		t.Fatalf("UploadImage = %q, %v; want att-42, nil", id, err)
	}
}

func TestListGroupsWalksPages(t *testing.T) {
	const total = 123
	f := newFake(t)
	f.handle("/v3.0/oa/group/getgroupsofoa", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodGet, "/v3.0/oa/group/getgroupsofoa")
		offset, err1 := strconv.Atoi(r.URL.Query().Get("offset"))
		count, err2 := strconv.Atoi(r.URL.Query().Get("count"))
		if err1 != nil || err2 != nil || count <= 0 {
			t.Fatalf("query = %q; want offset and count", r.URL.RawQuery)
		}
		var groups []map[string]any
		for i := offset; i < total && i < offset+count; i++ {
			groups = append(groups, map[string]any{"group_id": fmt.Sprintf("g%03d", i), "name": fmt.Sprintf("Thôn %d", i),
				"total_member": strconv.Itoa(i), "status": "enabled"})
		}
		ok(w, map[string]any{"offset": offset, "count": len(groups), "total": total, "groups": groups})
	})
	c := newClient(t, f, &memStore{})
	groups, err := c.ListGroups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != total || groups[0].GroupID != "g000" || groups[total-1].GroupID != "g122" || groups[7].TotalMember != 7 {
		t.Fatalf("ListGroups = %d groups (%+v…); want %d in order", len(groups), groups[0], total)
	}
	if n := f.count("/v3.0/oa/group/getgroupsofoa"); n != 3 {
		t.Errorf("pages fetched = %d; want 3", n)
	}
}

func TestListGroupsStopsWhenServerIgnoresOffset(t *testing.T) {
	f := newFake(t)
	f.handle("/v3.0/oa/group/getgroupsofoa", func(w http.ResponseWriter, r *http.Request) {
		groups := make([]map[string]any, 50)
		for i := range groups {
			groups[i] = map[string]any{"group_id": fmt.Sprint(i)}
		}
		ok(w, map[string]any{"groups": groups}) // no total, same page every time
	})
	c := newClient(t, f, &memStore{})
	groups, err := c.ListGroups(context.Background())
	if err != nil || len(groups) != 50 {
		t.Fatalf("ListGroups = %d, %v; want 50, nil", len(groups), err)
	}
}

func TestGroupInfo(t *testing.T) {
	f := newFake(t)
	f.handle("/v3.0/oa/group/getgroup", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodGet, "/v3.0/oa/group/getgroup")
		if got := r.URL.Query().Get("group_id"); got != "g1" {
			t.Errorf("group_id = %q; want g1", got)
		}
		ok(w, map[string]any{
			"group_info":    map[string]any{"group_id": "g1", "name": "Khóm 1", "status": "enabled", "total_member": 42, "max_member": "100"},
			"asset_info":    map[string]any{"asset_id": "as-1", "valid_through": "2026-12-31", "auto_renew": true},
			"group_setting": map[string]any{"lock_send_msg": true, "join_appr": "false", "enable_msg_history": 1, "enable_link_join": false},
		})
	})
	c := newClient(t, f, &memStore{})
	d, err := c.GroupInfo(context.Background(), "g1")
	if err != nil {
		t.Fatal(err)
	}
	want := bot.GroupDetail{Group: bot.Group{GroupID: "g1", Name: "Khóm 1", Status: "enabled", TotalMember: 42}, MaxMember: 100,
		AssetID: "as-1", AssetValidThrough: "2026-12-31", AssetAutoRenew: true, LockSendMsg: true, EnableMsgHistory: true,
		ValidThrough: time.Date(2026, 12, 30, 17, 0, 0, 0, time.UTC)}
	if !d.ValidThrough.Equal(want.ValidThrough) {
		t.Errorf("ValidThrough = %v; want %v", d.ValidThrough, want.ValidThrough)
	}
	d.ValidThrough = want.ValidThrough
	if d != want {
		t.Errorf("GroupInfo = %+v; want %+v", d, want)
	}
}

// TestParseValidThrough reads valid_through in the documented dd/mm/yyyy
// form and as epoch milliseconds or seconds (§12).
func TestParseValidThrough(t *testing.T) {
	day := time.Date(2024, 10, 9, 17, 0, 0, 0, time.UTC) // 10/10/2024 00:00 in Vietnam
	for in, want := range map[string]time.Time{
		"10/10/2024":    day,
		" 10/10/2024 ":  day,
		"2024-10-10":    day,
		"1/2/2025":      time.Date(2025, 1, 31, 17, 0, 0, 0, time.UTC),
		"1728518400000": time.UnixMilli(1728518400000),
		"1728518400":    time.Unix(1728518400, 0),
		"":              {},
		"mai":           {},
		"32/13/2024":    {},
		"-5":            {},
	} {
		if got := bot.ParseValidThrough(in); !got.Equal(want) {
			t.Errorf("ParseValidThrough(%q) = %v; want %v", in, got, want)
		}
	}
}

// TestGroupInfoDocumentedShape reads Zalo's documented example: strings for
// max_member and auto_renew, valid_through as dd/mm/yyyy; and the same
// answer with valid_through in epoch milliseconds.
func TestGroupInfoDocumentedShape(t *testing.T) {
	for vt, want := range map[any]time.Time{
		"10/10/2024":  time.Date(2024, 10, 9, 17, 0, 0, 0, time.UTC),
		1728518400000: time.UnixMilli(1728518400000),
	} {
		f := newFake(t)
		f.handle("/v3.0/oa/group/getgroup", func(w http.ResponseWriter, r *http.Request) {
			ok(w, map[string]any{
				"group_info":    map[string]any{"group_id": "g1", "name": "Ấp 2", "status": "enabled", "total_member": "7", "max_member": "10"},
				"asset_info":    map[string]any{"asset_id": "gmf10", "valid_through": vt, "auto_renew": "false"},
				"group_setting": map[string]any{"lock_send_msg": "true"},
			})
		})
		c := newClient(t, f, &memStore{})
		d, err := c.GroupInfo(context.Background(), "g1")
		if err != nil {
			t.Fatal(err)
		}
		if !d.ValidThrough.Equal(want) || d.MaxMember != 10 || d.TotalMember != 7 || d.AssetAutoRenew || !d.LockSendMsg {
			t.Errorf("valid_through %v: GroupInfo = %+v; want ValidThrough %v, 7 of 10 members, no auto-renew, locked", vt, d, want)
		}
	}
}

func TestGroupConversation(t *testing.T) {
	f := newFake(t)
	f.handle("/v3.0/oa/group/conversation", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodGet, "/v3.0/oa/group/conversation")
		q := r.URL.Query()
		// At most 10 a page (§12), asked for in plain query parameters.
		if q.Get("group_id") != "g1" || q.Get("count") != "10" || q.Get("offset") != "20" || q.Has("data") {
			t.Errorf("query = %q; want group_id=g1, offset=20, count=10", r.URL.RawQuery)
		}
		w.Header().Set("Content-Type", "application/json")
		// The photo item of Zalo's page: description, no message.
		io.WriteString(w, `{"data":[
			{"src":0,"time":1695953605615,"type":"photo","thumb":"https://t.zdn.vn/480/c5.jpg","url":"https://f.zdn.vn/c5.jpg","description":"Bản đồ","message_id":"d181af9c7607d15d8812","from_id":"8756287263669629130","from_display_name":"UBND","from_avatar":"https://s240/a.jpg","group_id":"g1"},
			{"src":0,"time":1696317670193,"type":"text","message":"Thông báo","message_id":"m2","from_id":"8756287263669629130"},
			{"src":"1","time":"1696317600000","type":"text","message":"Alo","message_id":12345678901234567890,"from_id":8756287263669629131}
		],"error":0,"message":"Success"}`)
	})
	c := newClient(t, f, &memStore{})
	items, err := c.GroupConversationPage(context.Background(), "g1", 20, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("GroupConversationPage = %d items; want 3", len(items))
	}
	photo, first, second := items[0], items[1], items[2]
	if !photo.IsPhoto() || photo.Description != "Bản đồ" || photo.Message != "" || photo.URL != "https://f.zdn.vn/c5.jpg" ||
		photo.Thumb == "" || photo.MessageID != "d181af9c7607d15d8812" || !photo.FromOA() {
		t.Errorf("photo item = %+v", photo)
	}
	if first.MessageID != "m2" || !first.FromOA() || first.Time.UnixMilli() != 1696317670193 || first.FromID != "8756287263669629130" {
		t.Errorf("items[0] = %+v", first)
	}
	if second.MessageID != "12345678901234567890" || second.FromOA() || second.FromID != "8756287263669629131" ||
		second.Time.UnixMilli() != 1696317600000 {
		t.Errorf("items[1] = %+v", second)
	}
}

func TestGroupConversationEmpty(t *testing.T) {
	f := newFake(t)
	f.handle("/v3.0/oa/group/conversation", func(w http.ResponseWriter, r *http.Request) { ok(w, nil) })
	c := newClient(t, f, &memStore{})
	items, err := c.GroupConversation(context.Background(), "g1", 5)
	if err != nil || len(items) != 0 {
		t.Fatalf("GroupConversation = %v, %v; want none, nil", items, err)
	}
}

// TestSendErrors covers each kind of answer a send can get.
func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		class      bot.Class
		unknown    bool // errors.Is(err, ErrOutcomeUnknown)
		code       int
		transient  bool
		permGroup  bool
		content    bool
		config     bool
		rateLimit  bool
		malformed  bool
		wantReason string
	}{
		{name: "rate limited", status: 200, body: `{"error":-32,"message":"application/OA reached limit call api"}`,
			class: bot.ClassRateLimited, code: -32, transient: true, rateLimit: true},
		{name: "send failed", status: 200, body: `{"error":-200,"message":"Send message failed"}`,
			class: bot.ClassTransient, code: -200, transient: true},
		{name: "not in group", status: 200, body: `{"error":-403,"message":"OA is not in group"}`,
			class: bot.ClassPermanentGroup, code: -403, permGroup: true, wantReason: "OA không ở trong nhóm này (sai group_id?)"},
		{name: "content policy", status: 200, body: `{"error":-248,"message":"Violates our platform standards"}`,
			class: bot.ClassContent, code: -248, content: true},
		{name: "too long", status: 200, body: `{"error":-210,"message":"text exceeds limit"}`,
			class: bot.ClassContent, code: -210, content: true},
		{name: "group disabled", status: 200, body: `{"error":-237}`, class: bot.ClassPermanentGroup, code: -237, permGroup: true},
		{name: "app not activated", status: 200, body: `{"error":-209,"message":"app not activated"}`,
			class: bot.ClassConfig, code: -209, config: true},
		{name: "error code as a string", status: 200, body: `{"error":"-403","message":"OA is not in group"}`,
			class: bot.ClassPermanentGroup, code: -403, permGroup: true},
		{name: "unknown code", status: 200, body: `{"error":-999,"message":"new"}`, class: bot.ClassUnknown, code: -999},
		{name: "503 page", status: 503, body: `<html>Service Unavailable</html>`, class: bot.ClassTransient, transient: true},
		{name: "502 page", status: 502, body: `<html>Bad Gateway</html>`, class: bot.ClassTransient, transient: true, unknown: true},
		{name: "500 with -200 body", status: 500, body: `{"error":-200,"message":"Send message failed"}`,
			class: bot.ClassTransient, code: -200, transient: true},
		{name: "404", status: 404, body: `not found`, class: bot.ClassConfig, config: true},
		{name: "malformed 200", status: 200, body: `{"error":0,"data":{`, class: bot.ClassTransient, unknown: true, malformed: true},
		{name: "200 without error field", status: 200, body: `{"data":{"message_id":"x"}}`,
			class: bot.ClassTransient, unknown: true, malformed: true},
		{name: "success without message_id", status: 200, body: `{"error":0,"message":"Success","data":{}}`,
			class: bot.ClassTransient, unknown: true, malformed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c := newClient(t, f, &memStore{})
			id, err := c.SendGroupText(context.Background(), "g1", "xin chào")
			if err == nil || id != "" {
				t.Fatalf("SendGroupText = %q, %v; want an error", id, err)
			}
			if got := bot.ErrorClass(err); got != tt.class {
				t.Errorf("ErrorClass(%v) = %v; want %v", err, got, tt.class)
			}
			if got := isOutcomeUnknown(err); got != tt.unknown {
				t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = %v; want %v", err, got, tt.unknown)
			}
			if got := errors.Is(err, bot.ErrMalformedAnswer); got != tt.malformed {
				t.Errorf("errors.Is(%v, ErrMalformedAnswer) = %v; want %v", err, got, tt.malformed)
			}
			if bot.Reason(err) == "" {
				t.Errorf("Reason(%v) is empty", err)
			}
			var ae *bot.APIError
			if !errors.As(err, &ae) {
				if !tt.malformed {
					t.Fatalf("errors.As(%v, *APIError) = false", err)
				}
				return
			}
			if ae.Code != tt.code || ae.HTTPStatus != tt.status {
				t.Errorf("APIError = %+v; want code %d, HTTP %d", ae, tt.code, tt.status)
			}
			preds := []struct {
				name      string
				got, want bool
			}{
				{"Transient", ae.Transient(), tt.transient},
				{"PermanentForGroup", ae.PermanentForGroup(), tt.permGroup},
				{"ContentRefused", ae.ContentRefused(), tt.content},
				{"ConfigError", ae.ConfigError(), tt.config},
				{"RateLimited", ae.RateLimited(), tt.rateLimit},
				{"TokenExpired", ae.TokenExpired(), false},
			}
			for _, p := range preds {
				if p.got != p.want {
					t.Errorf("%s() = %v; want %v", p.name, p.got, p.want)
				}
			}
			if tt.wantReason != "" && ae.Reason() != tt.wantReason {
				t.Errorf("Reason() = %q; want %q", ae.Reason(), tt.wantReason)
			}
		})
	}
}

func TestReadErrorsAreNotOutcomeUnknown(t *testing.T) {
	f := newFake(t)
	f.handle("/v3.0/oa/group/conversation", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"error":0,"data":[`)
	})
	c := newClient(t, f, &memStore{})
	_, err := c.GroupConversation(context.Background(), "g1", 5)
	if !errors.Is(err, bot.ErrMalformedAnswer) || isOutcomeUnknown(err) {
		t.Fatalf("GroupConversation error = %v; want ErrMalformedAnswer, not outcome unknown", err)
	}
}

func TestSendTimeoutIsOutcomeUnknown(t *testing.T) {
	release := make(chan struct{})
	f := newFake(t)
	f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
		<-release // the message is "delivered", the answer comes too late
		ok(w, map[string]any{"message_id": "late"})
	})
	f.handle("/v3.0/oa/group/getgroupsofoa", func(w http.ResponseWriter, r *http.Request) {
		<-release
	})
	t.Cleanup(func() { close(release) })

	tests := []struct {
		name    string
		timeout time.Duration // Config.Timeout
		ctx     time.Duration // caller's deadline
	}{
		{"client timeout", 200 * time.Millisecond, time.Minute},
		{"context deadline", time.Minute, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, f, &memStore{}, func(cfg *bot.Config) { cfg.Timeout = tt.timeout })
			ctx, cancel := context.WithTimeout(context.Background(), tt.ctx)
			defer cancel()
			_, err := c.SendGroupText(ctx, "g1", "xin chào")
			var te *bot.TransportError
			if !errors.As(err, &te) || !te.Timeout || !isOutcomeUnknown(err) {
				t.Fatalf("SendGroupText error = %v; want a timeout with outcome unknown", err)
			}
			if got := bot.ErrorClass(err); got != bot.ClassTransient {
				t.Errorf("ErrorClass = %v; want transient", got)
			}
			ctx2, cancel2 := context.WithTimeout(context.Background(), tt.ctx)
			defer cancel2()
			_, err = c.ListGroups(ctx2)
			if !errors.As(err, &te) || isOutcomeUnknown(err) {
				t.Fatalf("ListGroups error = %v; want a transport error that is not outcome unknown", err)
			}
		})
	}
}

func TestSendDroppedConnectionIsOutcomeUnknown(t *testing.T) {
	f := newFake(t)
	f.handle("/v3.0/oa/group/message", func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
	c := newClient(t, f, &memStore{})
	_, err := c.SendGroupText(context.Background(), "g1", "xin chào")
	if !isOutcomeUnknown(err) {
		t.Fatalf("SendGroupText error = %v; want outcome unknown", err)
	}
}

func TestSendConnectionRefusedIsNotOutcomeUnknown(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	base := dead.URL
	dead.Close()
	store := &memStore{}
	store.set("access-0", "refresh-0", time.Now().Add(24*time.Hour))
	c := bot.NewClient(bot.Config{APIBase: base, OAuthBase: base, AppID: testAppID, AppSecret: testAppSecret}, store, testLogger(t))
	_, err := c.SendGroupText(context.Background(), "g1", "xin chào")
	var te *bot.TransportError
	if !errors.As(err, &te) || isOutcomeUnknown(err) {
		t.Fatalf("SendGroupText error = %v; want a transport error, not outcome unknown", err)
	}
}

func TestCodeTableIsComplete(t *testing.T) {
	// Every code of zalo-oa-api.md §6 (and the OAuth and ZNS extras) with its class.
	want := map[int]bot.Class{
		-32: bot.ClassRateLimited, -100: bot.ClassReupload, -200: bot.ClassTransient,
		-201: bot.ClassContent, -210: bot.ClassContent, -233: bot.ClassContent, -248: bot.ClassContent,
		-204: bot.ClassConfig, -205: bot.ClassConfig, -219: bot.ClassConfig,
		-209: bot.ClassConfig, -212: bot.ClassConfig, -221: bot.ClassConfig, -223: bot.ClassConfig,
		-224: bot.ClassConfig, -235: bot.ClassConfig, -240: bot.ClassConfig, -242: bot.ClassConfig,
		-320: bot.ClassConfig, -321: bot.ClassConfig,
		-211: bot.ClassQuota, -218: bot.ClassPermanentUser,
		-213: bot.ClassPermanentUser, -217: bot.ClassPermanentUser, -227: bot.ClassPermanentUser, -244: bot.ClassPermanentUser,
		-214: bot.ClassTransient,
		-216: bot.ClassTokenExpired, -220: bot.ClassTokenExpired, -124: bot.ClassTokenExpired,
		-230: bot.ClassPermanentUser, -232: bot.ClassPermanentUser, -249: bot.ClassPermanentUser,
		-234: bot.ClassNightBan,
		-237: bot.ClassPermanentGroup, -238: bot.ClassPermanentGroup, -241: bot.ClassPermanentGroup, -403: bot.ClassPermanentGroup,
		-14002: bot.ClassConfig, -14003: bot.ClassConfig, -14004: bot.ClassConfig, -14014: bot.ClassConfig,
	}
	for code, class := range want {
		e := &bot.APIError{Code: code, HTTPStatus: 200}
		if got := e.Class(); got != class {
			t.Errorf("APIError{Code: %d}.Class() = %v; want %v", code, got, class)
		}
		if r := e.Reason(); r == "" {
			t.Errorf("APIError{Code: %d}.Reason() is empty", code)
		}
	}
	if !(&bot.APIError{Code: -100}).Transient() {
		t.Errorf("-100 should be transient (after a re-upload)")
	}
	if (&bot.APIError{Code: -211}).Transient() || (&bot.APIError{Code: -248}).Transient() {
		t.Errorf("-211 and -248 must not be transient")
	}
}
