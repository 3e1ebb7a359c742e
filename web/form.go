package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// composeForm is the compose form as typed: every field is kept as a
// string so that a refused form comes back exactly as it was.
type composeForm struct {
	Title      string
	Body       string
	Category   string
	Priority   string   // urgent, normal, low
	TargetMode string   // all, list; communes (a province notice to whole communes)
	Targets    []string // hamlet codes; "commune/hamlet" in a province notice
	Communes   []string // the communes of a province notice, in mode communes
	When       string   // now, at, repeat
	At         string   // datetime-local
	Repeat     string   // daily, weekly, monthly, cron
	RepeatTime string   // HH:MM
	RepeatDays []string // 0 (Sunday) … 6
	RepeatDay  string   // day of the month
	Cron       string
	Expires    string // datetime-local
	Kind       string // notice, update, cancel
	RefersTo   string
	HadImage   bool // an image was attached (a refused form cannot keep it)
}

// fieldErrs maps a form field to what is wrong with it.
type fieldErrs map[string]string

func (e fieldErrs) add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// readComposeForm reads the posted form.
func readComposeForm(r *http.Request) composeForm {
	v := r.PostForm
	return composeForm{
		Title: v.Get("title"), Body: v.Get("body"), Category: v.Get("category"), Priority: v.Get("priority"),
		TargetMode: v.Get("target_mode"), Targets: v["targets"], Communes: v["communes"],
		When: v.Get("when"), At: v.Get("at"), Repeat: v.Get("repeat"), RepeatTime: v.Get("repeat_time"),
		RepeatDays: v["repeat_days"], RepeatDay: v.Get("repeat_day"), Cron: v.Get("cron"),
		Expires: v.Get("expires"), Kind: v.Get("kind"), RefersTo: v.Get("refers_to"),
	}
}

// defaultComposeForm is an empty form with its defaults chosen.
func defaultComposeForm() composeForm {
	return composeForm{Priority: "normal", TargetMode: "all", When: "now", Repeat: "weekly", RepeatTime: "07:00",
		RepeatDays: []string{"1"}, RepeatDay: "1", Kind: "notice", Category: notices.DefaultCategory}
}

// recurrence builds the cron spec the form describes: a preset or the raw
// spec typed by an expert. It returns "" for a one-off.
func (f composeForm) recurrence(errs fieldErrs) string {
	if f.When != "repeat" {
		return ""
	}
	if f.Repeat == "cron" {
		if strings.TrimSpace(f.Cron) == "" {
			errs.add("cron", "Hãy nhập lịch cron 5 trường, ví dụ \"0 7 * * 1\" (7:00 sáng thứ Hai).")
		}
		return strings.Join(strings.Fields(f.Cron), " ")
	}
	hh, mm, ok := parseClock(f.RepeatTime)
	if !ok {
		errs.add("repeat_time", fmt.Sprintf("Giờ gửi %q không hợp lệ; hãy nhập dạng giờ:phút, ví dụ 07:00.", f.RepeatTime))
		return ""
	}
	switch f.Repeat {
	case "daily":
		return fmt.Sprintf("%d %d * * *", mm, hh)
	case "weekly":
		var days []string
		for _, d := range f.RepeatDays {
			if n, err := strconv.Atoi(d); err == nil && n >= 0 && n <= 6 && !contains(days, d) {
				days = append(days, strconv.Itoa(n))
			}
		}
		if len(days) == 0 {
			errs.add("repeat_days", "Hãy chọn ít nhất một thứ trong tuần.")
			return ""
		}
		return fmt.Sprintf("%d %d * * %s", mm, hh, strings.Join(days, ","))
	case "monthly":
		d, err := strconv.Atoi(strings.TrimSpace(f.RepeatDay))
		if err != nil || d < 1 || d > 28 {
			errs.add("repeat_day", fmt.Sprintf("Ngày trong tháng phải từ 1 đến 28 (để tháng nào cũng có); đã nhập %q.", f.RepeatDay))
			return ""
		}
		return fmt.Sprintf("%d %d %d * *", mm, hh, d)
	}
	errs.add("repeat", "Hãy chọn kiểu lặp lại: hằng ngày, hằng tuần, hằng tháng hoặc lịch cron.")
	return ""
}

func parseClock(s string) (hh, mm int, ok bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// notice turns the form into a notice for author; errs gets what cannot
// be read (times, the recurrence). Full validation is the store's.
func (f composeForm) notice(author string, now time.Time, loc *time.Location, errs fieldErrs) *notices.Notice {
	n := &notices.Notice{
		Title: f.Title, Body: f.Body, Category: f.Category, Priority: notices.Priority(f.Priority),
		Kind: notices.Kind(f.Kind), Source: notices.SourceWeb, Author: author, Status: notices.StatusPending,
	}
	if n.Kind == "" {
		n.Kind = notices.KindNotice
	}
	if n.Kind != notices.KindNotice {
		id, err := strconv.ParseInt(strings.TrimSpace(f.RefersTo), 10, 64)
		if err != nil || id <= 0 {
			errs.add("refers_to", "Thiếu số của thông báo gốc; hãy mở thông báo gốc rồi bấm «Gửi đính chính».")
		}
		n.RefersTo = id
	}
	switch f.TargetMode {
	case "list":
		if len(f.Targets) == 0 {
			errs.add("targets", "Hãy chọn ít nhất một thôn/ấp, hoặc chọn «Tất cả thôn/ấp».")
		}
		n.Targets = f.Targets
	case "communes":
		if len(f.Communes) == 0 {
			errs.add("targets", "Hãy chọn ít nhất một xã, hoặc chọn «Tất cả các xã».")
		}
		n.Targets = f.Communes
	}
	switch f.When {
	case "at":
		t, err := notices.ParseTime(f.At, loc)
		switch {
		case strings.TrimSpace(f.At) == "":
			errs.add("at", "Hãy chọn ngày giờ gửi, hoặc chọn «Gửi ngay khi được duyệt».")
		case err != nil:
			errs.add("at", err.Error())
		case t.Before(now.Add(-time.Minute)):
			errs.add("at", "Thời điểm gửi đã qua; hãy chọn một thời điểm trong tương lai, hoặc «Gửi ngay khi được duyệt».")
		}
		n.PublishAt = t
	case "repeat":
		n.Recurrence = f.recurrence(errs)
	}
	if strings.TrimSpace(f.Expires) != "" {
		t, err := notices.ParseTime(f.Expires, loc)
		if err != nil {
			errs.add("expires", err.Error())
		}
		n.ExpiresAt = t
	}
	return n
}

// readImage reads the optional image: JPEG or PNG by its content, not its
// name, at most 1 MB.
func readImage(r *http.Request, errs fieldErrs) (data []byte, typ string, attached bool) {
	if r.MultipartForm == nil {
		return nil, "", false
	}
	file, hdr, err := r.FormFile("image")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "", false
	}
	if err != nil {
		errs.add("image", "Không đọc được tệp ảnh; hãy chọn lại.")
		return nil, "", true
	}
	defer file.Close()
	if hdr.Size == 0 {
		return nil, "", false // the browser sends an empty part when no file is chosen
	}
	data, err = io.ReadAll(io.LimitReader(file, notices.MaxImage+1))
	switch {
	case err != nil:
		errs.add("image", "Không đọc được tệp ảnh; hãy chọn lại.")
	case len(data) > notices.MaxImage || hdr.Size > notices.MaxImage:
		errs.add("image", "Ảnh nặng "+sizeVN(max(hdr.Size, int64(len(data))))+", quá giới hạn 1 MB của Zalo; hãy thu nhỏ ảnh rồi chọn lại.")
		data = nil
	default:
		typ = http.DetectContentType(data)
		if typ != "image/jpeg" && typ != "image/png" {
			errs.add("image", "Tệp đã chọn không phải ảnh JPEG hoặc PNG (dù tên tệp là gì); hãy chọn ảnh .jpg hoặc .png.")
			data, typ = nil, ""
		}
	}
	return bytes.Clone(data), typ, true
}

// datetimeLocal is a typed time as a datetime-local field's value
// ("2026-11-27T08:00", in the commune's zone), or "" when it is not a time
// at all: such a value cannot be put back in the field (browsers drop it,
// and HTML forbids it), so the field's error message quotes what was typed.
func datetimeLocal(v string, loc *time.Location) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	t, err := notices.ParseTime(v, loc)
	if err != nil {
		return ""
	}
	t = t.In(loc)
	if t.Year() < 1 || t.Year() > 9999 {
		return ""
	}
	if t.Second() != 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04")
}

// clockValue is a typed HH:MM as a time field's value, or "" when it is
// not one (the field's error message quotes what was typed).
func clockValue(v string) string {
	hh, mm, ok := parseClock(v)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", hh, mm)
}

// numberValue is a typed whole number as a number field's value, or "".
func numberValue(v string) string {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return ""
	}
	return strconv.Itoa(n)
}

// storeFieldNames maps the store's field names to the form's.
var storeFieldNames = map[string]string{"publish_at": "at", "expires_at": "expires", "recurrence": "repeat"}

// fromStore adds the store's validation errors beside the form's fields.
func fromStore(errs fieldErrs, err error) bool {
	var fe notices.FieldErrors
	if !errors.As(err, &fe) {
		return false
	}
	for _, e := range fe {
		field := e.Field
		if f, ok := storeFieldNames[field]; ok {
			field = f
		}
		errs.add(field, e.Msg)
	}
	return true
}
