package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/loaxa/loaxa/notices"
)

// composeData is the compose page.
type composeData struct {
	Form     composeForm
	Errs     fieldErrs
	Hamlets  []notices.Hamlet
	Original *notices.Notice // of a correction or a withdrawal
	Preview  *preview
	Weekdays [][2]string // value, name; Monday first

	Editing   *notices.Notice    // the draft, pending or rejected notice being edited
	Rejection notices.AuditEntry // its latest rejection, shown while editing
	Templates []notices.Template // to start a new notice from
	Template  *notices.Template  // the one it was started from
	Image     keptImage          // the image chosen on a refused form, kept

	// Several communes (composecommune.go): the notice's commune, or a
	// province notice with the communes it may go to; Hamlets are then
	// every commune's, their Commune set.
	Multi    bool
	Province bool
	Commune  *notices.Commune
	Communes []notices.Commune
	Version  string // of the notice being edited, as the form was opened (notices.Notice.Version)
}

// ScheduleErr is the first error about the schedule fields, shown once in
// the schedule's own box (the live preview replaces it there).
func (d composeData) ScheduleErr() string {
	for _, k := range scheduleFields {
		if e := d.Errs[k]; e != "" {
			return e
		}
	}
	if d.Preview != nil {
		return d.Preview.ScheduleErr
	}
	return ""
}

// ErrCount is how many problems the page shows: the schedule's count once.
func (d composeData) ErrCount() int {
	n := 0
	for k := range d.Errs {
		if !contains(scheduleFields, k) {
			n++
		}
	}
	if d.ScheduleErr() != "" {
		n++
	}
	return n
}

// FollowUp reports whether the form is a correction or a withdrawal.
func (d composeData) FollowUp() bool { return d.Form.Kind == "update" || d.Form.Kind == "cancel" }

// TargetNames names the hamlets the form targets.
func (d composeData) TargetNames() string {
	var names []string
	for _, c := range d.Form.Targets {
		name := c
		for _, h := range d.Hamlets {
			if d.targetOf(h) == c {
				name = h.Name
			}
		}
		for _, cm := range d.Communes {
			if d.Province && cm.Code == c {
				name = cm.Name
			}
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

// Action is where the form posts.
func (d composeData) Action() string {
	if d.Editing != nil {
		return "/notices/" + strconv.FormatInt(d.Editing.ID, 10) + "/edit"
	}
	return "/compose"
}

// scheduleFields are the form's fields about when a recurring notice goes.
var scheduleFields = []string{"repeat", "cron", "repeat_time", "repeat_days", "repeat_day"}

// PreviewParts are the preview's message parts, if any.
func (d composeData) PreviewParts() []string {
	if d.Preview == nil {
		return nil
	}
	return d.Preview.Parts
}

// preview is what the message will look like, and when it will go.
type preview struct {
	BodyChars    int      `json:"body_chars"`
	MessageChars int      `json:"message_chars"`
	Parts        []string `json:"parts"`
	Header       string   `json:"header"`
	Spec         string   `json:"spec,omitempty"`
	Next         []string `json:"next,omitempty"`
	ScheduleErr  string   `json:"schedule_error,omitempty"`
	When         string   `json:"when"`
}

// composePage shows an empty form, one started from a template
// (?template=ID), or one pre-filled as a correction (?refers_to=ID, kind
// update) or a withdrawal (kind cancel) of notice ID.
func (s *Server) composePage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	f := defaultComposeForm()
	d := composeData{Errs: fieldErrs{}}
	if ref := r.URL.Query().Get("refers_to"); ref != "" {
		id, err := strconv.ParseInt(ref, 10, 64)
		var orig *notices.Notice
		if err == nil {
			orig, err = s.store.Notice(r.Context(), id)
		}
		if err == nil && !scopeFrom(r).acts(orig) {
			err = notices.ErrNotFound // another commune's, or the province's seen by a commune
		}
		if err != nil {
			s.errorPage(w, r, http.StatusNotFound, "Không có thông báo gốc số "+ref+".")
			return
		}
		kind := notices.KindUpdate
		if r.URL.Query().Get("kind") == string(notices.KindCancel) {
			kind = notices.KindCancel
		}
		msg, err := s.store.CanReferTo(r.Context(), orig.ID, kind)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if msg != "" {
			s.errorPage(w, r, http.StatusUnprocessableEntity, msg)
			return
		}
		f.Kind, f.RefersTo = string(kind), strconv.FormatInt(orig.ID, 10)
		f.Title, f.Body, f.Category, f.Priority = orig.Title, orig.Body, notices.CategoryInput(orig.Category), string(orig.Priority)
		if kind == notices.KindCancel {
			f.Body = "Thông báo trên không còn hiệu lực. Xin lỗi bà con vì sự bất tiện."
		}
		if len(orig.Targets) > 0 {
			f.TargetMode, f.Targets = "list", orig.Targets
		}
		d.Original = orig
	} else if tid := r.URL.Query().Get("template"); tid != "" {
		id, _ := strconv.ParseInt(tid, 10, 64)
		t, err := s.store.TemplateByID(r.Context(), id)
		if errors.Is(err, notices.ErrNotFound) {
			s.errorPage(w, r, http.StatusNotFound, "Không có mẫu thông báo số "+tid+"; có thể quản trị viên vừa xóa nó.")
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		f.Title, f.Body, f.Category, f.Priority = t.Title, t.Body, notices.CategoryInput(t.Category), string(t.Priority)
		d.Template = t
	}
	d.Form = f
	s.renderCompose(w, r, sess, http.StatusOK, d)
}

func (s *Server) renderCompose(w http.ResponseWriter, r *http.Request, sess *notices.Session, status int, d composeData) {
	hs, err := s.composeHamlets(r, &d)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, h := range hs {
		if h.Active || contains(d.Form.Targets, d.targetOf(h)) {
			d.Hamlets = append(d.Hamlets, h)
		}
	}
	if d.Original == nil && d.FollowUp() {
		if id, err := strconv.ParseInt(d.Form.RefersTo, 10, 64); err == nil {
			if orig := s.sentOriginal(r, id); orig != nil {
				d.Original = orig // never quote a title that did not go out
			}
		}
	}
	if d.Editing == nil && !d.FollowUp() {
		if d.Templates, err = s.store.Templates(r.Context()); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	for _, i := range []int{1, 2, 3, 4, 5, 6, 0} {
		d.Weekdays = append(d.Weekdays, [2]string{strconv.Itoa(i), weekdaysVN[i]})
	}
	title := "Soạn thông báo"
	switch {
	case d.Editing != nil:
		title = "Sửa thông báo số " + strconv.FormatInt(d.Editing.ID, 10)
	case d.Form.Kind == string(notices.KindUpdate):
		title = "Gửi đính chính"
	case d.Form.Kind == string(notices.KindCancel):
		title = "Gửi thông báo hủy"
	}
	s.render(w, r, status, "compose", view{Title: title, Sess: sess, Nav: "compose", Data: d})
}

// composeSubmit creates the notice: pending approval, or with
// action=draft a draft; with action=preview it shows the form again with
// the preview. A refused form comes back with each error beside its field
// and the input kept, the chosen image included.
func (s *Server) composeSubmit(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	s.saveCompose(w, r, sess, nil)
}

// saveCompose is composeSubmit, and with editing the edit form's submit.
func (s *Server) saveCompose(w http.ResponseWriter, r *http.Request, sess *notices.Session, editing *notices.Notice) {
	f := readComposeForm(r)
	if editing != nil {
		// What a notice is (its kind, what it refers to) is not edited.
		f.Kind, f.RefersTo = string(editing.Kind), ""
		if editing.RefersTo != 0 {
			f.RefersTo = strconv.FormatInt(editing.RefersTo, 10)
		}
	}
	errs := fieldErrs{}
	followUp := f.Kind == string(notices.KindUpdate) || f.Kind == string(notices.KindCancel)
	if followUp && f.When == "repeat" {
		errs.add("when", "Đính chính và thông báo hủy chỉ gửi một lần; hãy chọn «Gửi ngay khi được duyệt» hoặc hẹn ngày giờ.")
	}
	n := f.notice(sess.User.Username, s.now(), s.cfg.Location, errs)
	if !s.composeCommune(r, n, editing, errs) {
		s.notFound(w, r)
		return
	}
	img := s.formImage(r, errs)
	if f.Kind == string(notices.KindCancel) {
		img = keptImage{} // a withdrawal carries no image
	}
	n.Image, n.ImageType = img.Data, img.Type
	d := composeData{Form: f, Errs: errs, Editing: editing, Image: img, Version: r.PostFormValue("version")}
	if editing != nil {
		d.Rejection = s.rejection(r, editing)
	}
	action := r.PostFormValue("action")
	if action == "preview" {
		d.Preview = s.preview(r, f, n, editing)
		s.renderCompose(w, r, sess, http.StatusOK, d)
		return
	}
	if action == "draft" {
		n.Status = notices.StatusDraft
	}
	if len(errs) > 0 {
		// Show the store's checks too, so every field's problem shows at once.
		fromStore(errs, n.Validate(s.now(), s.cfg.Location))
	} else {
		var err error
		if editing != nil {
			n.ID = editing.ID
			keep := img.Data == nil && r.PostFormValue("remove_image") == ""
			if d.Version == "" {
				err = notices.FieldErrors{{Field: "status", Msg: "Mẫu sửa này không mang phiên bản của thông báo (có thể mở từ trang cũ); " +
					"không có gì được lưu. Hãy mở lại trang sửa rồi làm lại."}}
			} else {
				err = s.store.UpdateNoticeVersion(r.Context(), n, sess.User.Username, keep, d.Version)
			}
		} else {
			err = s.store.CreateNotice(r.Context(), n)
		}
		if err == nil {
			id := strconv.FormatInt(n.ID, 10)
			msg := "Đã lưu thông báo số " + id + " và gửi đi chờ duyệt."
			if n.Status == notices.StatusDraft {
				msg = "Đã lưu nháp thông báo số " + id + ". Bản nháp không được gửi; khi xong, bấm «Gửi đi chờ duyệt»."
			}
			s.redirect(w, r, "/notices/"+id, msg)
			return
		}
		if !fromStore(errs, err) {
			s.serverError(w, r, err)
			return
		}
	}
	s.renderCompose(w, r, sess, http.StatusUnprocessableEntity, d)
}

// composePreview is the script's live preview: the message as Zalo will
// show it, its length and parts, and the next five times of a recurrence.
func (s *Server) composePreview(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	f := readComposeForm(r)
	errs := fieldErrs{}
	n := f.notice(sess.User.Username, s.now(), s.cfg.Location, errs)
	p := s.preview(r, f, n, nil)
	for _, k := range []string{"repeat", "cron", "repeat_time", "repeat_days", "repeat_day"} {
		if e := errs[k]; e != "" && p.ScheduleErr == "" {
			p.ScheduleErr = e
		}
	}
	writeJSON(w, http.StatusOK, p)
}

// preview renders n as the daemon will, and its schedule.
func (s *Server) preview(r *http.Request, f composeForm, n, editing *notices.Notice) *preview {
	opt := notices.RenderOptions{Commune: s.composeFooter(r, n, editing), Location: s.cfg.Location}
	if n.RefersTo != 0 {
		opt.RefersTo = s.sentOriginal(r, n.RefersTo)
	}
	cp := *n
	cp.Title = strings.TrimSpace(norm.NFC.String(cp.Title))
	if cp.Priority == "" {
		cp.Priority = notices.Normal
	}
	msg := notices.Render(&cp, opt)
	p := &preview{
		BodyChars:    utf8.RuneCountInString(strings.TrimSpace(norm.NFC.String(n.Body))),
		MessageChars: utf8.RuneCountInString(msg),
		Parts:        notices.RenderParts(&cp, opt),
		When:         "Gửi ngay khi được duyệt",
	}
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		p.Header = msg[:i]
	}
	now := s.now()
	switch {
	case f.When == "at" && !n.PublishAt.IsZero():
		p.When = "Gửi lúc " + dateVN(n.PublishAt, s.cfg.Location)
	case f.When == "repeat" && n.Recurrence != "":
		p.Spec = n.Recurrence
		if _, err := notices.ParseRecurrence(n.Recurrence, s.cfg.Location); err != nil {
			p.ScheduleErr = err.Error()
			break
		}
		p.When = "Lặp lại: " + recurrenceText(n.Recurrence)
		for _, t := range s.cfg.Rules.NextDueN(&notices.Notice{Recurrence: n.Recurrence, ExpiresAt: n.ExpiresAt}, now, 5) {
			p.Next = append(p.Next, dateVN(t, s.cfg.Location))
		}
	}
	p.When += s.whenNote(f.When, &cp, now) // quiet hours, bulletin (rules.go)
	return p
}

// noticeImage serves a notice's image to staff.
func (s *Server) noticeImage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if n := s.loadNotice(w, r); n != nil { // another commune's: 404
		s.serveImage(w, r, n.ID)
	}
}

func (s *Server) serveImage(w http.ResponseWriter, r *http.Request, id int64) {
	data, typ, err := s.store.NoticeImage(r.Context(), id)
	if errors.Is(err, notices.ErrNotFound) || err == nil && len(data) == 0 {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if typ != "image/jpeg" && typ != "image/png" {
		typ = "application/octet-stream"
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", "inline")
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(string(data)))
}

// pathID reads the {id} of the path.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// sentOriginal is notice id when it reached at least one group, so that
// its title may be quoted; nil otherwise (a notice approved for next year
// has not gone out).
func (s *Server) sentOriginal(r *http.Request, id int64) *notices.Notice {
	orig, err := s.store.Notice(r.Context(), id)
	if err != nil || !orig.Published() || !scopeFrom(r).sees(orig) {
		return nil
	}
	if msg, err := s.store.CanReferTo(r.Context(), id, notices.KindUpdate); err != nil || msg != "" {
		return nil
	}
	return orig
}
