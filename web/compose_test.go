package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// pngBytes is a small valid PNG.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postMultipart sends the compose form with a file.
func (b *browser) postMultipart(path string, form url.Values, filename string, file []byte) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", b.csrf)
	}
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("image", filename)
		fw.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.site.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func composeForm() url.Values {
	return url.Values{"title": {"Tiêm phòng"}, "body": {"Mang sổ tiêm."}, "category": {"y tế"}, "priority": {"urgent"},
		"target_mode": {"list"}, "targets": {"khom-1", "khom-2"}, "when": {"now"}, "kind": {"notice"}}
}

func TestComposeImage(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("bien")
	b.get("/compose")
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{1}, 100)...)
	refusals := []struct {
		name, filename string
		data           []byte
		want           string
	}{
		{"text named .png", "anh.png", []byte("đây không phải là ảnh, chỉ là chữ"), "không phải ảnh JPEG hoặc PNG"},
		{"GIF", "anh.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "không phải ảnh JPEG hoặc PNG"},
		{"PNG over 1 MB", "to.png", append(pngBytes(t), bytes.Repeat([]byte{0}, 1<<20)...), "quá giới hạn 1 MB"},
	}
	for _, tt := range refusals {
		resp, body := b.postMultipart("/compose", composeForm(), tt.filename, tt.data)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d; want 422 saying %q", tt.name, resp.StatusCode, tt.want)
		}
		if !strings.Contains(body, `value="Tiêm phòng"`) || !strings.Contains(body, "Mang sổ tiêm.") {
			t.Errorf("%s: the typed title and body were not kept", tt.name)
		}
	}
	// Over the 4 MB body limit altogether (a new image and one kept from a refused form fit in it).
	if resp, _ := b.postMultipart("/compose", composeForm(), "huge.png", bytes.Repeat([]byte{1}, 5<<20)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 5 MB upload = %d; want 413", resp.StatusCode)
	}
	if ns, _ := s.store.Notices(context.Background(), notices.NoticeFilter{}); len(ns) != 0 {
		t.Fatalf("refused uploads created %d notices", len(ns))
	}
	for _, ok := range []struct {
		name string
		data []byte
		typ  string
	}{{"x.png", pngBytes(t), "image/png"}, {"x.bin", jpeg, "image/jpeg"}} {
		resp, _ := b.postMultipart("/compose", composeForm(), ok.name, ok.data)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d; want 303", ok.name, resp.StatusCode)
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/notices/"), 10, 64)
		data, typ, err := s.store.NoticeImage(context.Background(), id)
		if err != nil || typ != ok.typ || !bytes.Equal(data, ok.data) {
			t.Errorf("%s: stored %s, %d bytes, %v; want %s", ok.name, typ, len(data), err, ok.typ)
		}
		n, _ := s.store.Notice(context.Background(), id)
		if n.Priority != notices.Urgent || strings.Join(n.Targets, ",") != "khom-1,khom-2" || n.Author != "bien" ||
			n.Status != notices.StatusPending || n.Source != notices.SourceWeb {
			t.Errorf("stored notice %+v", n)
		}
		if resp, _ := b.get("/notices/" + strconv.FormatInt(id, 10) + "/image"); resp.StatusCode != http.StatusOK ||
			resp.Header.Get("Content-Type") != ok.typ {
			t.Errorf("image served as %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func TestComposeFieldErrorsKeepInput(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("bien")
	form := url.Values{"title": {""}, "body": {"Nội dung giữ nguyên"}, "category": {strings.Repeat("dài", 20)},
		"priority": {"normal"}, "target_mode": {"list"}, "when": {"at"}, "at": {"2026-11-26T08:00"},
		"expires": {"ngày mai"}, "kind": {"notice"}}
	resp, body := b.post("/compose", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form = %d; want 422", resp.StatusCode)
	}
	for _, want := range []string{
		"Tiêu đề không được để trống",
		"Hãy chọn ít nhất một thôn/ấp",
		"Thời điểm gửi đã qua",
		"Không hiểu thời điểm",
		"Nội dung giữ nguyên",
		`value="2026-11-26T08:00"`,
		`value="at" checked`,
		`aria-invalid="true"`,
		// What cannot be a datetime-local value is quoted in the message
		// and left out of the field (HTML forbids it there).
		`Không hiểu thời điểm &#34;ngày mai&#34;`,
		`name="expires" value=""`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("refused form lacks %q", want)
		}
	}
	if strings.Contains(body, `value="ngày mai"`) {
		t.Errorf("refused form echoes an invalid time into a datetime-local field")
	}
	// Nor an invalid time of day or day of the month into their fields.
	_, body = b.post("/compose", url.Values{"title": {"Lặp"}, "body": {"x"}, "priority": {"normal"}, "target_mode": {"all"},
		"when": {"repeat"}, "repeat": {"daily"}, "repeat_time": {"7 giờ"}, "repeat_day": {"hai"}, "kind": {"notice"}})
	if !strings.Contains(body, "Giờ gửi &#34;7 giờ&#34; không hợp lệ") || strings.Contains(body, `value="7 giờ"`) ||
		strings.Contains(body, `value="hai"`) {
		t.Errorf("refused repeat form: the bad time of day is echoed or not quoted")
	}
	// The store's own checks land beside their fields too.
	form = url.Values{"title": {"Đủ"}, "body": {"x"}, "category": {strings.Repeat("d", 41)}, "priority": {"normal"},
		"target_mode": {"all"}, "when": {"repeat"}, "repeat": {"cron"}, "cron": {"0 0 30 2 *"}, "kind": {"notice"}}
	_, body = b.post("/compose", form)
	for _, want := range []string{"Chuyên mục dài 41 ký tự", "không bao giờ đến", `value="0 0 30 2 *"`} {
		if !strings.Contains(body, want) {
			t.Errorf("refused form lacks %q", want)
		}
	}
}

func TestComposePreviewAndRecurrence(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("bien")
	b.get("/compose")
	preview := func(form url.Values) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/compose/preview", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", b.csrf)
		resp, body := b.do(req)
		var p map[string]any
		if err := json.Unmarshal([]byte(body), &p); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d %v\n%s", resp.StatusCode, err, body)
		}
		return p
	}
	long := strings.Repeat("Bà con chú ý giữ gìn vệ sinh. ", 100) // ~3000 characters
	p := preview(url.Values{"title": {"Vệ sinh"}, "body": {long}, "priority": {"urgent"}, "when": {"now"}})
	if parts := p["parts"].([]any); len(parts) != 2 || !strings.Contains(parts[0].(string), "🚨 KHẨN CẤP") {
		t.Errorf("preview of a 3000-character body: %d parts, first %q", len(parts), parts[0])
	}
	if p["body_chars"].(float64) != float64(len([]rune(strings.TrimSpace(long)))) {
		t.Errorf("body_chars = %v", p["body_chars"])
	}
	// The presets build cron specs; the next five times are in the commune zone.
	for _, tt := range []struct {
		form     url.Values
		spec     string
		firstDay string
	}{
		{url.Values{"when": {"repeat"}, "repeat": {"daily"}, "repeat_time": {"06:30"}}, "30 6 * * *", "Thứ Bảy, 28/11/2026 06:30"},
		{url.Values{"when": {"repeat"}, "repeat": {"weekly"}, "repeat_time": {"07:00"}, "repeat_days": {"1", "4"}}, "0 7 * * 1,4", "Thứ Hai, 30/11/2026 07:00"},
		{url.Values{"when": {"repeat"}, "repeat": {"monthly"}, "repeat_time": {"08:00"}, "repeat_day": {"15"}}, "0 8 15 * *", "Thứ Ba, 15/12/2026 08:00"},
		{url.Values{"when": {"repeat"}, "repeat": {"cron"}, "cron": {"0 17 * * 5"}}, "0 17 * * 5", "Thứ Sáu, 27/11/2026 17:00"},
	} {
		p := preview(tt.form)
		next, _ := p["next"].([]any)
		if p["spec"] != tt.spec || len(next) != 5 || next[0] != tt.firstDay {
			t.Errorf("preset %v: spec %v, next %v; want %s from %s", tt.form, p["spec"], next, tt.spec, tt.firstDay)
		}
	}
	p = preview(url.Values{"when": {"repeat"}, "repeat": {"cron"}, "cron": {"@every 1h"}})
	if e, _ := p["schedule_error"].(string); !strings.Contains(e, "@every") {
		t.Errorf("schedule_error for @every = %q", e)
	}
	// Without script: the preview button renders the same on the server.
	_, body := b.post("/compose", url.Values{"title": {"Họp"}, "body": {"Tối nay"}, "when": {"repeat"}, "repeat": {"daily"},
		"repeat_time": {"19:00"}, "action": {"preview"}})
	if !strings.Contains(body, "5 lần gửi tới") || !strings.Contains(body, "Thứ Sáu, 27/11/2026 19:00") ||
		!strings.Contains(body, "📢 THÔNG BÁO") {
		t.Errorf("server-side preview lacks the schedule or the message")
	}
	if ns, _ := s.store.Notices(context.Background(), notices.NoticeFilter{}); len(ns) != 0 {
		t.Errorf("a preview created a notice")
	}
}

func TestCorrection(t *testing.T) {
	s := newSite(t)
	orig := s.notice(notices.Notice{Title: "Cắt điện thứ Bảy", Body: "Từ 7h.", Author: "tacgia", Status: notices.StatusApproved,
		Targets: []string{"khom-2"}})
	s.send(orig.ID, notices.DeliverySent)
	b := s.signedIn("bien")
	_, body := b.get("/notices/" + strconv.FormatInt(orig.ID, 10))
	if !strings.Contains(body, "/compose?refers_to="+strconv.FormatInt(orig.ID, 10)) {
		t.Fatalf("a sent notice's page offers no correction")
	}
	_, body = b.get("/compose?refers_to=" + strconv.FormatInt(orig.ID, 10))
	for _, want := range []string{`name="kind" value="update"`, `value="Cắt điện thứ Bảy"`, "Từ 7h.", `name="targets" value="khom-2"`} {
		if !strings.Contains(body, want) {
			t.Errorf("correction form lacks %q", want)
		}
	}
	form := url.Values{"title": {"Cắt điện thứ Bảy"}, "body": {"Từ 8h, không phải 7h."}, "priority": {"normal"},
		"target_mode": {"list"}, "targets": {"khom-2"}, "when": {"now"}, "kind": {"update"},
		"refers_to": {strconv.FormatInt(orig.ID, 10)}}
	resp, _ := b.post("/compose", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("correction = %d", resp.StatusCode)
	}
	ns, _ := s.store.Notices(context.Background(), notices.NoticeFilter{Limit: 1})
	if n := ns[0]; n.Kind != notices.KindUpdate || n.RefersTo != orig.ID {
		t.Errorf("correction stored as kind %s refers_to %d", n.Kind, n.RefersTo)
	}
	_, body = b.get("/notices/" + strconv.FormatInt(ns[0].ID, 10))
	if !strings.Contains(body, "🔄 CẬP NHẬT") || !strings.Contains(body, "Đính chính thông báo «Cắt điện thứ Bảy»") {
		t.Errorf("correction page lacks the rendered reference")
	}
	// The original's page now points at its correction.
	_, body = b.get("/notices/" + strconv.FormatInt(orig.ID, 10))
	if link := fmt.Sprintf(`<a href="/notices/%d">#%d «Cắt điện thứ Bảy»</a>`, ns[0].ID, ns[0].ID); !strings.Contains(body, link) {
		t.Errorf("the original's page does not link its correction %s", link)
	}
}
