package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

func id(n *notices.Notice) string { return strconv.FormatInt(n.ID, 10) }

func editForm(title, body, action string) url.Values {
	return url.Values{"title": {title}, "body": {body}, "category": {"điện nước"}, "priority": {"normal"},
		"target_mode": {"list"}, "targets": {"khom-1"}, "when": {"now"}, "action": {action}}
}

// TestEditRejectedAndResubmit: the author opens a rejected notice, sees
// the approver's reason, saves a draft (the reason stays), then resubmits
// (pending again, the reason gone from the notice, kept in the log).
// Someone else's notice and an approved one are not editable.
func TestEditRejectedAndResubmit(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	n := s.notice(notices.Notice{Title: "Cắt điện", Body: "Sai giờ.", Author: "tacgia"})
	if err := s.store.RejectNotice(ctx, n.ID, "duyet", "Ghi rõ giờ cắt và khu vực"); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn("tacgia")
	_, page := b.get("/notices/" + id(n))
	if !strings.Contains(page, `href="/notices/`+id(n)+`/edit"`) {
		t.Fatal("a rejected notice's page offers no edit to its author")
	}
	resp, page := b.get("/notices/" + id(n) + "/edit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "data-rejection") ||
		!strings.Contains(page, "Ghi rõ giờ cắt và khu vực") || !strings.Contains(page, `value="Cắt điện"`) ||
		!strings.Contains(page, `action="/notices/`+id(n)+`/edit"`) {
		t.Fatalf("edit page %d lacks the reason, the title or its action:\n%s", resp.StatusCode, page)
	}
	resp, _ = b.post("/notices/"+id(n)+"/edit", s.versioned(n.ID, editForm("Cắt điện thứ Bảy", "Từ 7 giờ đến 11 giờ, khu vực chợ.", "draft")))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft = %d", resp.StatusCode)
	}
	got, _ := s.store.Notice(ctx, n.ID)
	if got.Status != notices.StatusDraft || got.Title != "Cắt điện thứ Bảy" || got.Reason != "Ghi rõ giờ cắt và khu vực" {
		t.Errorf("after save draft: %s %q reason %q", got.Status, got.Title, got.Reason)
	}
	// A refused edit keeps what was typed and changes nothing.
	resp, page = b.post("/notices/"+id(n)+"/edit", s.versioned(n.ID, editForm("", "Nội dung mới", "submit")))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Nội dung mới") {
		t.Errorf("empty title = %d", resp.StatusCode)
	}
	if got, _ := s.store.Notice(ctx, n.ID); got.Status != notices.StatusDraft || got.Body != "Từ 7 giờ đến 11 giờ, khu vực chợ." {
		t.Errorf("a refused edit wrote: %+v", got)
	}
	resp, _ = b.post("/notices/"+id(n)+"/edit", s.versioned(n.ID, editForm("Cắt điện thứ Bảy", "Từ 7 giờ đến 11 giờ, khu vực chợ.", "submit")))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resubmit = %d", resp.StatusCode)
	}
	got, _ = s.store.Notice(ctx, n.ID)
	if got.Status != notices.StatusPending || got.Reason != "" {
		t.Errorf("after resubmit: %s reason %q; want pending without reason", got.Status, got.Reason)
	}
	// Another editor may not edit it; an approver may.
	other := s.signedIn("bien")
	if resp, _ := other.get("/notices/" + id(n) + "/edit"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another editor's edit page = %d; want 403", resp.StatusCode)
	}
	if resp, _ := other.post("/notices/"+id(n)+"/edit", s.versioned(n.ID, editForm("x", "y", "submit"))); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another editor's edit = %d; want 403", resp.StatusCode)
	}
	if resp, _ := s.signedIn("duyet").get("/notices/" + id(n) + "/edit"); resp.StatusCode != http.StatusOK {
		t.Errorf("an approver's edit page = %d", resp.StatusCode)
	}
	if err := s.store.ApproveNotice(ctx, n.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}
	if resp, page := b.get("/notices/" + id(n) + "/edit"); resp.StatusCode != http.StatusConflict || !strings.Contains(page, "gửi đính chính") {
		t.Errorf("edit page of an approved notice = %d", resp.StatusCode)
	}
}

// TestComposeDraftAndDuplicate: "Lưu nháp" stores a draft the daemon never
// plans; "Sao chép" makes a new draft from any notice.
func TestComposeDraftAndDuplicate(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	b := s.signedIn("bien")
	f := composeForm()
	f.Set("action", "draft")
	resp, _ := b.post("/compose", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft = %d", resp.StatusCode)
	}
	ns, _ := s.store.Notices(ctx, notices.NoticeFilter{})
	if len(ns) != 1 || ns[0].Status != notices.StatusDraft {
		t.Fatalf("after save draft: %+v", ns)
	}
	if live, _ := s.store.LiveNotices(ctx); len(live) != 0 {
		t.Errorf("a draft is live: %+v", live)
	}
	_, page := b.get("/notices/" + id(&ns[0]))
	if !strings.Contains(page, `action="/notices/`+id(&ns[0])+`/submit"`) || !strings.Contains(page, "bản nháp") {
		t.Errorf("a draft's page offers no submit")
	}
	done := s.notice(notices.Notice{Title: "Họp dân", Body: "Tối nay.", Author: "tacgia", Status: notices.StatusApproved})
	resp, _ = b.post("/notices/"+id(done)+"/duplicate", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/edit") {
		t.Fatalf("duplicate = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ns, _ = s.store.Notices(ctx, notices.NoticeFilter{Limit: 1})
	if ns[0].ID == done.ID || ns[0].Title != "Họp dân" || ns[0].Status != notices.StatusDraft || ns[0].Author != "bien" {
		t.Errorf("duplicate = %+v", ns[0])
	}
	if resp, _ := b.post("/notices/"+id(&ns[0])+"/submit", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("submit = %d", resp.StatusCode)
	}
	if got, _ := s.store.Notice(ctx, ns[0].ID); got.Status != notices.StatusPending {
		t.Errorf("after submit: %s", got.Status)
	}
}

var keptRe = regexp.MustCompile(`name="image_kept" value="([^"]+)"`)

// TestComposeKeepsImage: a refused form carries the chosen image back, and
// the corrected form stores it without choosing it again.
func TestComposeKeepsImage(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("bien")
	f := composeForm()
	f.Set("title", "")
	img := pngBytes(t)
	resp, page := b.postMultipart("/compose", f, "loa.png", img)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refused form = %d", resp.StatusCode)
	}
	m := keptRe.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `src="data:image/png;base64,`) || strings.Contains(page, "hãy chọn lại ảnh") {
		t.Fatalf("the refused form does not keep the image:\n%s", page)
	}
	if strings.Count(page, "Tiêu đề không được để trống") != 1 {
		t.Errorf("the title's error shows %d times; want once", strings.Count(page, "Tiêu đề không được để trống"))
	}
	f = composeForm()
	f.Set("image_kept", m[1])
	resp, _ = b.postMultipart("/compose", f, "", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("corrected form = %d", resp.StatusCode)
	}
	ns, _ := s.store.Notices(context.Background(), notices.NoticeFilter{})
	n, _ := s.store.Notice(context.Background(), ns[0].ID)
	if string(n.Image) != string(img) || n.ImageType != "image/png" {
		t.Errorf("stored image %d bytes %q; want the kept PNG", len(n.Image), n.ImageType)
	}
	// A kept value that is not an image is refused, not stored.
	f = composeForm()
	f.Set("image_kept", base64.StdEncoding.EncodeToString([]byte("<script>không phải ảnh</script>")))
	if resp, page := b.postMultipart("/compose", f, "", nil); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "không phải JPEG hoặc PNG") {
		t.Errorf("a forged kept image = %d", resp.StatusCode)
	}
}

// TestScheduleErrorOnce: a schedule error is shown once, in the schedule's
// box, however many schedule fields are wrong.
func TestScheduleErrorOnce(t *testing.T) {
	s := newSite(t)
	b := s.signedIn("bien")
	f := composeForm()
	f.Set("when", "repeat")
	f.Set("repeat", "weekly")
	f.Set("repeat_time", "25:99")
	_, page := b.post("/compose", f)
	msg := "Giờ gửi &#34;25:99&#34; không hợp lệ"
	if c := strings.Count(page, msg); c != 1 {
		t.Errorf("the time's error shows %d times; want once:\n%s", c, page)
	}
	if !strings.Contains(page, "còn 1 chỗ cần sửa") {
		t.Errorf("the summary does not count one problem")
	}
}

// TestFollowUpFormsOfferOnlyWhatApplies: a withdrawal has no image, expiry,
// category, recurrence or hamlet choice; a correction no recurrence nor
// hamlet choice; a posted recurrence is refused.
func TestFollowUpFormsOfferOnlyWhatApplies(t *testing.T) {
	s := newSite(t)
	orig := s.notice(notices.Notice{Title: "Tiêm phòng", Body: "Sáng mai.", Author: "tacgia", Status: notices.StatusApproved,
		Targets: []string{"khom-2"}})
	s.send(orig.ID, notices.DeliverySent)
	b := s.signedIn("bien")
	_, cancel := b.get("/compose?refers_to=" + id(orig) + "&kind=cancel")
	_, update := b.get("/compose?refers_to=" + id(orig))
	_, plain := b.get("/compose")
	for _, tt := range []struct {
		page, name string
		absent     []string
		present    []string
	}{
		{cancel, "withdrawal", []string{`id="image"`, `id="expires"`, `id="category"`, `value="repeat"`, `name="target_mode" value="all"`, "Soạn nhanh từ mẫu"},
			[]string{`name="kind" value="cancel"`, "Khóm 2"}},
		{update, "correction", []string{`value="repeat"`, `name="target_mode" value="all"`, "Soạn nhanh từ mẫu"},
			[]string{`id="image"`, `id="expires"`, `id="category"`, `name="kind" value="update"`}},
		{plain, "notice", nil, []string{`value="repeat"`, `id="image"`, `name="target_mode" value="all"`, "Soạn nhanh từ mẫu"}},
	} {
		for _, a := range tt.absent {
			if strings.Contains(tt.page, a) {
				t.Errorf("%s form offers %s", tt.name, a)
			}
		}
		for _, p := range tt.present {
			if !strings.Contains(tt.page, p) {
				t.Errorf("%s form lacks %s", tt.name, p)
			}
		}
	}
	f := url.Values{"title": {"Tiêm phòng"}, "body": {"Đổi giờ."}, "priority": {"normal"}, "target_mode": {"list"},
		"targets": {"khom-2"}, "when": {"repeat"}, "repeat": {"daily"}, "repeat_time": {"07:00"}, "kind": {"update"},
		"refers_to": {id(orig)}}
	if resp, page := b.post("/compose", f); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "chỉ gửi một lần") {
		t.Errorf("a recurring correction = %d", resp.StatusCode)
	}
}

// TestTemplatesAdminAndCompose: the admin manages templates; an editor
// starts a notice from one.
func TestTemplatesAdminAndCompose(t *testing.T) {
	s := newSite(t)
	adm := s.signedIn("quantri")
	_, page := adm.get("/templates")
	for _, name := range []string{"Cắt điện", "Họp dân", "Tiêm chủng", "Thu gom rác"} {
		if !strings.Contains(page, name) {
			t.Errorf("templates page lacks %q", name)
		}
	}
	resp, _ := adm.post("/templates", url.Values{"name": {"Phòng chống bão"}, "title": {"Bão số …"},
		"body": {"Bà con chằng chống nhà cửa."}, "category": {"thời tiết, thiên tai"}, "priority": {"urgent"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add template = %d", resp.StatusCode)
	}
	if resp, page := adm.post("/templates", url.Values{"name": {"Cắt điện"}, "title": {"x"}, "body": {"y"}, "priority": {"normal"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Đã có mẫu tên «Cắt điện»") {
		t.Errorf("a second «Cắt điện» = %d", resp.StatusCode)
	}
	ts, _ := s.store.Templates(context.Background())
	var storm, power notices.Template
	for _, x := range ts {
		switch x.Name {
		case "Phòng chống bão":
			storm = x
		case "Cắt điện":
			power = x
		}
	}
	if storm.ID == 0 || storm.Priority != notices.Urgent {
		t.Fatalf("added template = %+v", storm)
	}
	ed := s.signedIn("bien")
	if resp, _ := ed.get("/templates"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an editor's /templates = %d; want 403", resp.StatusCode)
	}
	_, page = ed.get("/compose?template=" + strconv.FormatInt(power.ID, 10))
	if !strings.Contains(page, `value="Lịch cắt điện ngày …/…"`) || !strings.Contains(page, "Điện lực thông báo tạm ngừng") ||
		!strings.Contains(page, `value="điện nước"`) || !strings.Contains(page, "data-template") {
		t.Errorf("compose from «Cắt điện» is not filled in:\n%s", page)
	}
	if resp, _ := ed.get("/compose?template=999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("compose from a missing template = %d", resp.StatusCode)
	}
	if resp, _ := adm.post("/templates/"+strconv.FormatInt(storm.ID, 10)+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete = %d", resp.StatusCode)
	}
}

// TestConfirmPages: each irreversible action's button leads to a page that
// asks again and changes nothing; only its form acts. An approval of a
// notice edited since the page was shown is refused.
func TestConfirmPages(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	n := s.notice(notices.Notice{Title: "Lịch tiêm", Body: "Sáng thứ Bảy.", Author: "tacgia"})
	ap := s.signedIn("duyet")
	_, page := ap.get("/notices/" + id(n))
	if strings.Contains(page, `method="post" action="/notices/`+id(n)+`/approve"`) || !strings.Contains(page, `href="/notices/`+id(n)+`/approve"`) {
		t.Fatalf("the notice page approves without asking")
	}
	resp, page := ap.get("/notices/" + id(n) + "/approve")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Duyệt thông báo số "+id(n)+"?") ||
		!strings.Contains(page, `method="post" action="/notices/`+id(n)+`/approve"`) || !strings.Contains(page, "Khóm 1") && !strings.Contains(page, "tất cả thôn/ấp") {
		t.Fatalf("approve confirmation %d:\n%s", resp.StatusCode, page)
	}
	if got, _ := s.store.Notice(ctx, n.ID); got.Status != notices.StatusPending {
		t.Fatalf("the confirmation page approved: %s", got.Status)
	}
	ver := regexp.MustCompile(`name="version" value="([0-9a-f-]+)"`).FindStringSubmatch(page)
	if ver == nil {
		t.Fatal("no version on the confirmation")
	}
	// The author edits it in between: the approval is refused.
	s.clock.Add(2 * time.Second)
	if err := s.store.UpdateNotice(ctx, &notices.Notice{ID: n.ID, Title: "Lịch tiêm (sửa)", Body: "Chiều thứ Bảy.",
		Status: notices.StatusPending}, "tacgia", true); err != nil {
		t.Fatal(err)
	}
	resp, _ = ap.post("/notices/"+id(n)+"/approve", url.Values{"version": {ver[1]}})
	if got, _ := s.store.Notice(ctx, n.ID); resp.StatusCode != http.StatusSeeOther || got.Status != notices.StatusPending {
		t.Errorf("approving a version since edited: %d, %s; want refused", resp.StatusCode, got.Status)
	}
	_, page = ap.get("/notices/" + id(n) + "/approve")
	ver = regexp.MustCompile(`name="version" value="([0-9a-f-]+)"`).FindStringSubmatch(page)
	ap.post("/notices/"+id(n)+"/approve", url.Values{"version": {ver[1]}})
	if got, _ := s.store.Notice(ctx, n.ID); got.Status != notices.StatusApproved {
		t.Errorf("confirmed approval: %s", got.Status)
	}

	// Stopping: the reason travels to the confirmation.
	m := s.notice(notices.Notice{Title: "Họp", Body: "Tối.", Author: "tacgia"})
	resp, page = ap.get("/notices/" + id(m) + "/cancel?reason=" + url.QueryEscape("trùng lịch"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Dừng thông báo số "+id(m)+"?") ||
		!strings.Contains(page, `name="reason" value="trùng lịch"`) {
		t.Errorf("stop confirmation %d", resp.StatusCode)
	}
	if got, _ := s.store.Notice(ctx, m.ID); got.Status != notices.StatusPending {
		t.Errorf("the stop confirmation stopped it")
	}

	adm := s.signedIn("quantri")
	_, page = adm.get("/hamlets")
	if !strings.Contains(page, `href="/hamlets/khom-2/active"`) {
		t.Errorf("the hamlets page turns a hamlet off without asking")
	}
	resp, page = adm.get("/hamlets/khom-2/active")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Tắt Khóm 2?") || !strings.Contains(page, `name="active" value="0"`) {
		t.Errorf("hamlet confirmation %d", resp.StatusCode)
	}
	if h, _ := s.store.HamletByCode(ctx, "khom-2"); !h.Active {
		t.Errorf("the confirmation page turned the hamlet off")
	}
	resp, page = adm.get("/users/bien/active")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Khóa tài khoản bien?") {
		t.Errorf("lock confirmation %d", resp.StatusCode)
	}
	if u, _ := s.store.UserByName(ctx, "bien"); !u.Active {
		t.Errorf("the confirmation page locked the account")
	}
	if resp, _ := s.signedIn("bien").get("/hamlets/khom-2/active"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an editor's hamlet confirmation = %d; want 403", resp.StatusCode)
	}
}

// TestPauseResumePage: a recurring notice is paused and resumed from its
// page, in plain words, each step in the audit log.
func TestPauseResumePage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	n := s.notice(notices.Notice{Title: "Thu gom rác", Body: "Để rác trước cửa.", Author: "tacgia", Approver: "duyet",
		Status: notices.StatusApproved, Recurrence: "0 7 * * 1"})
	b := s.signedIn("tacgia")
	_, page := b.get("/notices/" + id(n))
	if !strings.Contains(page, "Thứ Hai hằng tuần, 07:00") || !strings.Contains(page, `action="/notices/`+id(n)+`/pause"`) {
		t.Fatalf("the page lacks the plain recurrence or the pause button")
	}
	if strings.Contains(page, "lặp lại theo lịch «0 7 * * 1»") {
		t.Errorf("the page shows the raw cron line as the schedule")
	}
	if resp, _ := b.post("/notices/"+id(n)+"/pause", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pause = %d", resp.StatusCode)
	}
	_, page = b.get("/notices/" + id(n))
	if !strings.Contains(page, "data-paused") || !strings.Contains(page, `action="/notices/`+id(n)+`/resume"`) ||
		strings.Contains(page, "5 lần gửi tới") {
		t.Errorf("a paused notice's page: no pause note, no resume, or still lists next times")
	}
	if resp, _ := s.signedIn("bien").post("/notices/"+id(n)+"/resume", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another editor's resume = %d; want 403", resp.StatusCode)
	}
	if _, dash := b.get("/dashboard"); strings.Contains(dash, "Thu gom rác") {
		t.Errorf("the dashboard lists a paused notice as scheduled")
	}
	b.post("/notices/"+id(n)+"/resume", nil)
	if _, dash := b.get("/dashboard"); !strings.Contains(dash, "Thu gom rác") {
		t.Errorf("the dashboard does not list the resumed notice as scheduled")
	}
	es, _ := s.store.Audit(ctx, notices.AuditFilter{NoticeID: n.ID})
	var acts []string
	for _, e := range es {
		acts = append(acts, e.Action+":"+e.Actor)
	}
	if !strings.Contains(strings.Join(acts, " "), "notice.pause:tacgia") || !strings.Contains(strings.Join(acts, " "), "notice.resume:tacgia") {
		t.Errorf("audit = %v", acts)
	}
	if p, _ := s.store.NoticePause(ctx, n.ID); p.Paused() {
		t.Errorf("still paused after resume")
	}
}

// TestTestSendRefusals: with no Zalo sender, or to a hamlet that is not a
// staff test group, nothing is sent and the page says why.
func TestTestSendRefusals(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	n := s.notice(notices.Notice{Title: "Thử", Body: "b", Author: "bien"})
	b := s.signedIn("bien")
	_, page := b.get("/notices/" + id(n))
	if !strings.Contains(page, "Chưa có nhóm thử") {
		t.Errorf("without a test group the page does not say so")
	}
	if err := s.store.SetStaffTest(ctx, "khom-1", true, "quantri"); err != nil {
		t.Fatal(err)
	}
	_, page = b.get("/notices/" + id(n))
	if !strings.Contains(page, `action="/notices/`+id(n)+`/test"`) {
		t.Fatalf("the page offers no test send")
	}
	b.post("/notices/"+id(n)+"/test", url.Values{"hamlet": {"khom-2"}})
	_, page = b.get("/notices/" + id(n))
	if !strings.Contains(page, "nhóm thử của cán bộ") {
		t.Errorf("a test send to a hamlet not marked is not refused in words")
	}
	b.post("/notices/"+id(n)+"/test", url.Values{"hamlet": {"khom-1"}})
	_, page = b.get("/notices/" + id(n))
	if !strings.Contains(page, "Chưa cấu hình Zalo OA") {
		t.Errorf("a test send with no Zalo sender does not say so")
	}
	if es, _ := s.store.Audit(ctx, notices.AuditFilter{NoticeID: n.ID, Action: "notice.test"}); len(es) != 0 {
		t.Errorf("refused test sends were recorded as sent: %+v", es)
	}
}

// TestEditFormKeepsTheSchedule: the edit form shows a stored recurrence as
// the preset it came from, or as the raw spec when it is not one, and
// saving the form unchanged keeps the schedule.
func TestEditFormKeepsTheSchedule(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	weekly := s.notice(notices.Notice{Title: "Loa sáng", Author: "bien", Recurrence: "30 6 * * 1,3"})
	odd := s.notice(notices.Notice{Title: "Mỗi hai giờ", Author: "bien", Recurrence: "0 */2 * * *"})
	b := s.signedIn("bien")
	_, page := b.get("/notices/" + id(weekly) + "/edit")
	for _, want := range []string{`name="when" value="repeat" checked`, `value="weekly" selected`, `name="repeat_time" value="06:30"`,
		`name="repeat_days" value="1" checked`, `name="repeat_days" value="3" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("edit form of a weekly notice lacks %s", want)
		}
	}
	if strings.Contains(page, `name="repeat_days" value="2" checked`) {
		t.Errorf("edit form ticks Tuesday")
	}
	_, page = b.get("/notices/" + id(odd) + "/edit")
	if !strings.Contains(page, `value="cron" selected`) || !strings.Contains(page, `name="cron" value="0 */2 * * *"`) {
		t.Errorf("edit form of an odd schedule does not show its spec")
	}
	// Post the form back as the browser would, unchanged.
	f := url.Values{"title": {"Loa sáng"}, "body": {"Nội dung"}, "category": {"chung"}, "priority": {"normal"},
		"target_mode": {"all"}, "when": {"repeat"}, "repeat": {"weekly"}, "repeat_time": {"06:30"},
		"repeat_days": {"1", "3"}, "repeat_day": {"1"}, "action": {"submit"}}
	if resp, page := b.post("/notices/"+id(weekly)+"/edit", s.versioned(weekly.ID, f)); resp.StatusCode != 303 {
		t.Fatalf("save = %d\n%s", resp.StatusCode, page)
	}
	if got, _ := s.store.Notice(ctx, weekly.ID); got.Recurrence != "30 6 * * 1,3" {
		t.Errorf("after saving unchanged: recurrence %q", got.Recurrence)
	}
}
