package zalosim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 9, 13, 10, 20, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// reply is a raw HTTP answer; JSON numbers stay json.Number so that tests
// can tell "90000" from 90000.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any // nil when the body is not a JSON object
	list   []any          // set when "data" is a list
}

// get returns the value at a dotted path ("data.groups.0.name") and whether it exists.
func (r reply) get(path string) (any, bool) {
	var cur any = r.body
	for _, k := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[k]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func doRaw(t testing.TB, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", req.URL.Path, err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) == nil {
		r.body = m
		r.list, _ = m["data"].([]any)
	}
	return r
}

func newRequest(t testing.TB, method, u string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// postForm calls the token endpoint as the official SDKs do.
func postForm(t testing.TB, base, secret string, form url.Values) reply {
	t.Helper()
	req := newRequest(t, "POST", base+PathAccessToken, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.Header.Set("secret_key", secret)
	}
	return doRaw(t, req)
}

func refreshForm(appID, rt string) url.Values {
	return url.Values{"refresh_token": {rt}, "app_id": {appID}, "grant_type": {"refresh_token"}}
}

// postJSON calls an OpenAPI POST endpoint with the access_token header.
func postJSON(t testing.TB, base, path, token, body string) reply {
	t.Helper()
	req := newRequest(t, "POST", base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("access_token", token)
	}
	return doRaw(t, req)
}

func getAPI(t testing.TB, base, pathAndQuery, token string) reply {
	t.Helper()
	req := newRequest(t, "GET", base+pathAndQuery, nil)
	if token != "" {
		req.Header.Set("access_token", token)
	}
	return doRaw(t, req)
}

func textBody(groupID, text string) string {
	b, _ := json.Marshal(map[string]any{
		"recipient": map[string]string{"group_id": groupID},
		"message":   map[string]string{"text": text},
	})
	return string(b)
}

func imageBody(groupID, attType, key, value, caption string) string {
	b, _ := json.Marshal(map[string]any{
		"recipient": map[string]string{"group_id": groupID},
		"message": map[string]any{"text": caption, "attachment": map[string]any{
			"type": attType,
			"payload": map[string]any{"template_type": "media",
				"elements": []map[string]string{{"media_type": "image", key: value}}},
		}},
	})
	return string(b)
}

// upload posts a multipart file to the image upload endpoint.
func upload(t testing.TB, base, token string, data []byte) reply {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "anh.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := newRequest(t, "POST", base+PathUploadImage, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("access_token", token)
	return doRaw(t, req)
}

// pngBytes is a valid 1×1 PNG; jpegHead starts like a JPEG file.
var (
	pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
	jpegHead = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	gifBytes = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
)

// errCode returns the body's error field as an int, failing when it is not
// a JSON number.
func errCode(t testing.TB, r reply) int {
	t.Helper()
	n, ok := r.body["error"].(json.Number)
	if !ok {
		t.Fatalf("error = %#v (%T) in %s; want a JSON number", r.body["error"], r.body["error"], r.raw)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("error = %s; want an integer", n)
	}
	return int(i)
}

func mustAccess(t testing.TB, r reply) string {
	t.Helper()
	s, ok := r.body["access_token"].(string)
	if !ok || s == "" {
		t.Fatalf("token answer %s has no access_token string", r.raw)
	}
	return s
}

func sha256B64URL(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func testLogger(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
}

// TestServer is zalosimtest.Server for this package's own tests, which
// cannot import zalosimtest (it imports zalosim).
type TestServer struct {
	*Server
	URL          string
	AppID        string
	AppSecret    string
	OAID         string
	RefreshToken string
	AccessToken  string
	OAs          []Credentials // every OA's initial credentials
}

// NewTestServer is zalosimtest.New for this package's own tests.
func NewTestServer(t testing.TB, opts ...Option) *TestServer {
	t.Helper()
	s := New(TestConfig(opts...), zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel))
	hs := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); hs.Close() })
	c := s.Credentials()
	return &TestServer{Server: s, URL: hs.URL, AppID: c.AppID, AppSecret: c.AppSecret,
		OAID: c.OAID, RefreshToken: c.RefreshToken, AccessToken: c.AccessToken, OAs: s.AllCredentials()}
}
