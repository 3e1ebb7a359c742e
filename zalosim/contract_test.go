package zalosim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// This table is the independent check on the simulator: every expectation
// is written from the examples and tables in docs/zalo-oa-api.md (section
// noted per case), not from the simulator's code. JSON types matter: IDs and
// expires_in are strings, error codes and paging fields are numbers.

type want func(v any, present bool) string

func str(s string) want {
	return func(v any, ok bool) string {
		if got, isStr := v.(string); !ok || !isStr || got != s {
			return fmt.Sprintf("%#v (%T); want string %q", v, v, s)
		}
		return ""
	}
}

func anyStr() want {
	return func(v any, ok bool) string {
		if got, isStr := v.(string); !ok || !isStr || got == "" {
			return fmt.Sprintf("%#v (%T); want a non-empty string", v, v)
		}
		return ""
	}
}

func num(ns ...int64) want {
	return func(v any, ok bool) string {
		n, isNum := v.(json.Number)
		if ok && isNum {
			got, err := n.Int64()
			for _, w := range ns {
				if err == nil && got == w {
					return ""
				}
			}
		}
		return fmt.Sprintf("%#v (%T); want a JSON number in %v", v, v, ns)
	}
}

func anyNum() want {
	return func(v any, ok bool) string {
		if _, isNum := v.(json.Number); !ok || !isNum {
			return fmt.Sprintf("%#v (%T); want a JSON number", v, v)
		}
		return ""
	}
}

func negative() want {
	return func(v any, ok bool) string {
		if n, isNum := v.(json.Number); ok && isNum && strings.HasPrefix(n.String(), "-") {
			return ""
		}
		return fmt.Sprintf("%#v (%T); want a negative JSON number", v, v)
	}
}

func boolean() want {
	return func(v any, ok bool) string {
		if _, isBool := v.(bool); !ok || !isBool {
			return fmt.Sprintf("%#v (%T); want a JSON boolean", v, v)
		}
		return ""
	}
}

func listOf(n int) want {
	return func(v any, ok bool) string {
		l, isList := v.([]any)
		if !ok || !isList || (n >= 0 && len(l) != n) {
			return fmt.Sprintf("%#v (%T); want a JSON list of %d", v, v, n)
		}
		return ""
	}
}

func absent() want {
	return func(v any, ok bool) string {
		if ok {
			return fmt.Sprintf("%#v; want no such field", v)
		}
		return ""
	}
}

const g1 = "f414c8f76fa586fbdfb4" // DefaultGroups()[0], the group in the doc's send example

var (
	apiOK     = map[string]want{"error": num(0), "message": str("Success")}
	rateHdrs  = []string{"X-RateLimit-Limit", "X-RateLimit-Remain"}
	verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // 43 chars
	challenge = pkceChallengeForTest(verifier)
)

func merge(ms ...map[string]want) map[string]want {
	out := map[string]want{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestContract(t *testing.T) {
	cases := []struct {
		name   string
		do     func(t *testing.T, ts *TestServer) reply
		status int
		fields map[string]want
	}{
		// §1 refresh: form body, secret_key header, string expires_in.
		{"refresh ok", func(t *testing.T, ts *TestServer) reply {
			return postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
		}, 200, map[string]want{"access_token": anyStr(), "refresh_token": anyStr(), "expires_in": str("90000"), "error": absent()}},
		{"refresh spent token", func(t *testing.T, ts *TestServer) reply {
			postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
			return postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken))
		}, 200, map[string]want{"access_token": absent(), "error": negative(), "error_name": anyStr(), "error_reason": anyStr()}},
		{"refresh wrong secret -14004", func(t *testing.T, ts *TestServer) reply {
			return postForm(t, ts.URL, "not-the-secret", refreshForm(ts.AppID, ts.RefreshToken))
		}, 200, map[string]want{"access_token": absent(), "error": num(-14004), "error_name": anyStr()}},
		{"refresh secret in body not header -14004", func(t *testing.T, ts *TestServer) reply {
			f := refreshForm(ts.AppID, ts.RefreshToken)
			f.Set("secret_key", ts.AppSecret)
			return postForm(t, ts.URL, "", f)
		}, 200, map[string]want{"access_token": absent(), "error": num(-14004)}},
		{"refresh bad app id -14002", func(t *testing.T, ts *TestServer) reply {
			return postForm(t, ts.URL, ts.AppSecret, refreshForm("123", ts.RefreshToken))
		}, 200, map[string]want{"access_token": absent(), "error": num(-14002), "error_name": anyStr()}},
		// §1 code exchange with the PKCE verifier.
		{"code exchange ok", func(t *testing.T, ts *TestServer) reply {
			code := authorize(t, ts, challenge)
			return postForm(t, ts.URL, ts.AppSecret, url.Values{"code": {code}, "app_id": {ts.AppID},
				"grant_type": {"authorization_code"}, "code_verifier": {verifier}})
		}, 200, map[string]want{"access_token": anyStr(), "refresh_token": anyStr(), "expires_in": str("90000")}},
		{"code exchange wrong verifier", func(t *testing.T, ts *TestServer) reply {
			code := authorize(t, ts, challenge)
			return postForm(t, ts.URL, ts.AppSecret, url.Values{"code": {code}, "app_id": {ts.AppID},
				"grant_type": {"authorization_code"}, "code_verifier": {strings.Repeat("x", 43)}})
		}, 200, map[string]want{"access_token": absent(), "error": negative()}},
		// §3 send text: the doc's request and answer.
		{"send text", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, `{"recipient":{"group_id":"f414c8f76fa586fbdfb4"},"message":{"text":"Thông báo họp thôn 19h tối nay"}}`)
		}, 200, merge(apiOK, map[string]want{"data.message_id": anyStr(), "data.group_id": str(g1)})},
		{"send image attachment template", func(t *testing.T, ts *TestServer) reply {
			id := mustUpload(t, ts, pngBytes)
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, imageBody(g1, "template", "attachment_id", id, "Ảnh"))
		}, 200, merge(apiOK, map[string]want{"data.message_id": anyStr(), "data.group_id": str(g1)})},
		{"send image by url, the doc's example", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, imageBody(g1, "template", "url", "https://stc-developers.zdn.vn/images/bg_1.jpg", "Zalo đạt 100 triệu người dùng"))
		}, 200, merge(apiOK, map[string]want{"data.message_id": anyStr(), "data.group_id": str(g1)})},
		// §12: attachment.type "template" is required; S3's "image" is refused.
		{"send image type image refused", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, imageBody(g1, "image", "url", "https://example.vn/a.png", "Ảnh"))
		}, 200, map[string]want{"error": num(-201), "message": anyStr(), "data": absent()}},
		// §12: the caption (text) of a group image message is required.
		{"send image without text refused", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, imageBody(g1, "template", "url", "https://example.vn/a.png", ""))
		}, 200, map[string]want{"error": num(-201), "message": anyStr(), "data": absent()}},
		{"send unknown group -403", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody("0000000000000000000a", "x"))
		}, 200, map[string]want{"error": num(-403), "message": anyStr(), "data": absent()}},
		{"send text over 2000 characters", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, strings.Repeat("ạ", 2001)))
		}, 200, map[string]want{"error": num(-201, -210), "message": anyStr(), "data": absent()}},
		{"send 2000 decomposed characters is 2000 after NFC", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, strings.Repeat("a\u0323", 2000)))
		}, 200, apiOK},
		{"send without access_token -216", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, "", textBody(g1, "x"))
		}, 200, map[string]want{"error": num(-216), "message": anyStr()}},
		{"send with Bearer header is not the access_token header -216", func(t *testing.T, ts *TestServer) reply {
			req := newRequest(t, "POST", ts.URL+PathGroupMessage, strings.NewReader(textBody(g1, "x")))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+ts.AccessToken)
			return doRaw(t, req)
		}, 200, map[string]want{"error": num(-216)}},
		{"send with unknown token -216", func(t *testing.T, ts *TestServer) reply {
			return postJSON(t, ts.URL, PathGroupMessage, "bogus", textBody(g1, "x"))
		}, 200, map[string]want{"error": num(-216)}},
		{"send with expired token -220", func(t *testing.T, ts *TestServer) reply {
			ts.ExpireAccessTokens()
			return postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "x"))
		}, 200, map[string]want{"error": num(-220), "message": anyStr()}},
		// §2 uploads: multipart "file", jpg/png ≤ 1 MB, data.attachment_id.
		{"upload png", func(t *testing.T, ts *TestServer) reply {
			return upload(t, ts.URL, ts.AccessToken, pngBytes)
		}, 200, merge(apiOK, map[string]want{"data.attachment_id": anyStr()})},
		{"upload jpeg", func(t *testing.T, ts *TestServer) reply {
			return upload(t, ts.URL, ts.AccessToken, jpegHead)
		}, 200, merge(apiOK, map[string]want{"data.attachment_id": anyStr()})},
		{"upload gif refused", func(t *testing.T, ts *TestServer) reply {
			return upload(t, ts.URL, ts.AccessToken, gifBytes)
		}, 200, map[string]want{"error": negative(), "data": absent()}},
		{"upload over 1 MB refused", func(t *testing.T, ts *TestServer) reply {
			big := append(append([]byte{}, pngBytes...), make([]byte, 1<<20)...)
			return upload(t, ts.URL, ts.AccessToken, big)
		}, 200, map[string]want{"error": negative(), "data": absent()}},
		// §3 management: group list with plain offset/count.
		{"getgroupsofoa", func(t *testing.T, ts *TestServer) reply {
			return getAPI(t, ts.URL, PathGroupsOfOA+"?offset=0&count=5", ts.AccessToken)
		}, 200, merge(apiOK, map[string]want{
			"data.offset": num(0), "data.count": anyNum(), "data.total": num(3), "data.group_count": anyNum(),
			"data.groups": listOf(3), "data.groups.0.group_id": str(g1), "data.groups.0.name": str("Khóm 1"),
			"data.groups.0.avatar":     func(v any, ok bool) string { return boolOr(ok, "avatar missing") },
			"data.groups.0.group_link": anyStr(), "data.groups.0.group_description": anyStr(),
			"data.groups.0.total_member": anyNum(), "data.groups.0.status": str("enabled")})},
		{"getgroupsofoa paging", func(t *testing.T, ts *TestServer) reply {
			return getAPI(t, ts.URL, PathGroupsOfOA+"?offset=2&count=5", ts.AccessToken)
		}, 200, merge(apiOK, map[string]want{"data.offset": num(2), "data.total": num(3), "data.groups": listOf(1)})},
		// §12: plain query parameters; a data= object is not read.
		{"getgroupsofoa data= form is not read", func(t *testing.T, ts *TestServer) reply {
			return getAPI(t, ts.URL, PathGroupsOfOA+"?data="+url.QueryEscape(`{"offset":2,"count":1}`), ts.AccessToken)
		}, 200, merge(apiOK, map[string]want{"data.offset": num(0), "data.total": num(3), "data.groups": listOf(3)})},
		{"getgroup", func(t *testing.T, ts *TestServer) reply {
			return getAPI(t, ts.URL, PathGroupInfo+"?group_id="+g1, ts.AccessToken)
		}, 200, merge(apiOK, map[string]want{
			"data.group_info.group_id": str(g1), "data.group_info.name": str("Khóm 1"),
			"data.group_info.group_link": anyStr(), "data.group_info.status": str("enabled"),
			// §12: Zalo's example answers max_member and auto_renew as
			// strings and valid_through as dd/mm/yyyy.
			"data.group_info.total_member": anyNum(), "data.group_info.max_member": str("100"),
			"data.asset_info.asset_id": anyStr(), "data.asset_info.auto_renew": str("false"),
			"data.asset_info.valid_through":    ddmmyyyy(),
			"data.group_setting.lock_send_msg": boolean(), "data.group_setting.join_appr": boolean(),
			"data.group_setting.enable_msg_history": boolean(), "data.group_setting.enable_link_join": boolean()})},
		{"getgroup unknown -403", func(t *testing.T, ts *TestServer) reply {
			return getAPI(t, ts.URL, PathGroupInfo+"?group_id=nope", ts.AccessToken)
		}, 200, map[string]want{"error": num(-403)}},
		// §3 history: items {src,time,type,message,message_id,from_id}; DESIGN.md: a list, newest first.
		{"conversation", func(t *testing.T, ts *TestServer) reply {
			postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "cũ"))
			postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "mới"))
			return getAPI(t, ts.URL, PathConversation+"?group_id="+g1+"&offset=0&count=10", ts.AccessToken)
		}, 200, merge(apiOK, map[string]want{"data": listOf(2),
			"data.0.message": str("mới"), "data.1.message": str("cũ"), "data.0.type": str("text"),
			"data.0.src": anyNum(), "data.0.time": anyNum(), "data.0.message_id": anyStr(), "data.0.from_id": anyStr()})},
		{"conversation data= form is not read", func(t *testing.T, ts *TestServer) reply {
			postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "một"))
			q := url.QueryEscape(`{"group_id":"` + g1 + `","offset":0,"count":5}`)
			return getAPI(t, ts.URL, PathConversation+"?data="+q, ts.AccessToken)
		}, 200, map[string]want{"error": num(-201), "data": absent()}},
		{"conversation unknown group -403", func(t *testing.T, ts *TestServer) reply {
			return getAPI(t, ts.URL, PathConversation+"?group_id=nope&offset=0&count=5", ts.AccessToken)
		}, 200, map[string]want{"error": num(-403)}},
		{"conversation expired token -220", func(t *testing.T, ts *TestServer) reply {
			ts.ExpireAccessTokens()
			return getAPI(t, ts.URL, PathConversation+"?group_id="+g1, ts.AccessToken)
		}, 200, map[string]want{"error": num(-220)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := NewTestServer(t)
			r := tc.do(t, ts)
			if r.status != tc.status {
				t.Fatalf("status = %d; want %d (body %s)", r.status, tc.status, r.raw)
			}
			if r.body == nil {
				t.Fatalf("body %q is not a JSON object", r.raw)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q; want application/json", ct)
			}
			for _, h := range rateHdrs {
				if r.header.Get(h) == "" {
					t.Errorf("header %s missing", h)
				}
			}
			for path, w := range tc.fields {
				v, ok := r.get(path)
				if problem := w(v, ok); problem != "" {
					t.Errorf("%s = %s\nbody: %s", path, problem, r.raw)
				}
			}
		})
	}
}

// ddmmyyyy wants a string date in the form of Zalo's "10/10/2024".
func ddmmyyyy() want {
	return func(v any, ok bool) string {
		s, isStr := v.(string)
		if _, err := time.Parse("02/01/2006", s); !ok || !isStr || err != nil {
			return fmt.Sprintf("%#v (%T); want a dd/mm/yyyy string", v, v)
		}
		return ""
	}
}

func boolOr(ok bool, msg string) string {
	if ok {
		return ""
	}
	return msg
}

// authorize runs the browser step with auto=1 and returns the code.
func authorize(t *testing.T, ts *TestServer, challenge string) string {
	t.Helper()
	q := url.Values{"app_id": {ts.AppID}, "redirect_uri": {"https://xa.example.vn/zalo/callback"},
		"code_challenge": {challenge}, "state": {"nonce-1"}, "auto": {"1"}}
	req := newRequest(t, "GET", ts.URL+PathPermission+"?"+q.Encode(), nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("permission status = %d; want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Query().Get("state"); got != "nonce-1" {
		t.Errorf("callback state = %q; want nonce-1", got)
	}
	if got := loc.Query().Get("oa_id"); got != ts.OAID {
		t.Errorf("callback oa_id = %q; want %q", got, ts.OAID)
	}
	return loc.Query().Get("code")
}

func mustUpload(t *testing.T, ts *TestServer, data []byte) string {
	t.Helper()
	r := upload(t, ts.URL, ts.AccessToken, data)
	id, ok := r.get("data.attachment_id")
	if !ok {
		t.Fatalf("upload: %s", r.raw)
	}
	return id.(string)
}

func pkceChallengeForTest(v string) string {
	// Written out from §1 rather than calling the simulator's helper.
	return sha256B64URL(v)
}
