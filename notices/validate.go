package notices

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits, mirrored by the schema's CHECK constraints.
const (
	MaxTitle    = 200
	MaxBody     = 20000
	MaxCategory = 40
	MaxImage    = 1 << 20 // bytes
	MaxHamlet   = 100     // name
	MaxCode     = 40
	MaxGroupID  = 64
	MinPassword = 12
)

// DefaultCategory is a notice's category when none is given.
const DefaultCategory = "chung"

// normalize NFC-normalises the notice's text and fills defaults.
func (n *Notice) normalize() {
	n.Commune = strings.ToLower(strings.TrimSpace(n.Commune))
	n.Title = nfcTrim(n.Title)
	n.Body = strings.TrimSpace(nfcBody(n.Body))
	n.Category = CategoryCode(n.Category) // one stored form (category.go)
	if n.Category == "" {
		n.Category = DefaultCategory
	}
	if n.Priority == "" {
		n.Priority = Normal
	}
	if n.Kind == "" {
		n.Kind = KindNotice
	}
	if n.Status == "" {
		n.Status = StatusPending
	}
	var ts []string
	for _, c := range n.Targets {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == AllHamlets {
			ts = nil
			break
		}
		if c != "" && !contains(ts, c) {
			ts = append(ts, c)
		}
	}
	n.Targets = ts
	n.Recurrence = strings.Join(strings.Fields(n.Recurrence), " ")
	n.Author = nfcTrim(n.Author)
	n.Reason = nfcTrim(n.Reason)
	n.PublishAt = n.PublishAt.UTC().Truncate(time.Second)
	n.ExpiresAt = n.ExpiresAt.UTC().Truncate(time.Second)
}

// Validate checks the fields a notice can be checked on without the
// database (hamlet codes and refers_to are checked by CreateNotice), after
// normalising its text. now is the current time, loc the commune zone.
func (n *Notice) Validate(now time.Time, loc *time.Location) error {
	n.normalize()
	var es FieldErrors
	switch l := utf8.RuneCountInString(n.Title); {
	case l == 0:
		es.add("title", "Tiêu đề không được để trống; hãy nhập tiêu đề.")
	case l > MaxTitle:
		es.add("title", "Tiêu đề dài %d ký tự, quá giới hạn %d; hãy rút gọn.", l, MaxTitle)
	}
	if l := utf8.RuneCountInString(n.Body); l > MaxBody {
		es.add("body", "Nội dung dài %d ký tự, quá giới hạn %d; hãy rút gọn hoặc chia thành nhiều thông báo.", l, MaxBody)
	}
	if l := utf8.RuneCountInString(n.Category); l > MaxCategory {
		es.add("category", "Chuyên mục dài %d ký tự, quá giới hạn %d; hãy rút gọn.", l, MaxCategory)
	}
	if l := utf8.RuneCountInString(n.Author); l > MaxAuthor {
		es.add("author", "Tên người viết dài %d ký tự, quá giới hạn %d; hãy rút gọn.", l, MaxAuthor)
	}
	if l := utf8.RuneCountInString(n.Recurrence); l > MaxRecurrence {
		es.add("recurrence", "Lịch lặp dài %d ký tự, quá giới hạn %d; hãy kiểm tra lại.", l, MaxRecurrence)
	}
	// NUL hides the rest of a text from SQLite's length(); the schema
	// refuses it (0002_refusals.sql), so say it here first, in Vietnamese.
	for _, f := range []struct{ field, label, value string }{{"title", "Tiêu đề", n.Title}, {"body", "Nội dung", n.Body},
		{"category", "Chuyên mục", n.Category}, {"author", "Tên người viết", n.Author}} {
		if strings.IndexByte(f.value, 0) >= 0 {
			es.add(f.field, "%s có ký tự NUL (mã 0), thường do dán từ tệp nhị phân; hãy xóa ký tự đó hoặc gõ lại.", f.label)
		}
	}
	switch n.Priority {
	case Urgent, Normal, Low:
	default:
		es.add("priority", "Mức ưu tiên %q không có; hãy chọn urgent (khẩn), normal (thường) hoặc low (bản tin).", n.Priority)
	}
	switch n.Kind {
	case KindNotice:
		if n.RefersTo != 0 {
			es.add("refers_to", "Chỉ thông báo cập nhật hoặc hủy mới tham chiếu thông báo khác; hãy bỏ số tham chiếu hoặc chọn loại update/cancel.")
		}
	case KindUpdate, KindCancel:
		if n.RefersTo <= 0 {
			es.add("refers_to", "Thông báo cập nhật hoặc hủy phải ghi số của thông báo gốc; hãy nhập số thông báo cần sửa hoặc hủy.")
		}
		if strings.TrimSpace(n.Recurrence) != "" {
			es.add("recurrence", "Đính chính và thông báo hủy chỉ gửi một lần; hãy bỏ lịch lặp (--cron).")
		}
	default:
		es.add("kind", "Loại thông báo %q không có; hãy chọn notice, update hoặc cancel.", n.Kind)
	}
	switch n.Status {
	case StatusDraft, StatusPending, StatusApproved:
	default:
		es.add("status", "Thông báo mới chỉ có thể là nháp, chờ duyệt hoặc đã duyệt, không thể là %q.", n.Status)
	}
	switch n.Source {
	case SourceWeb, SourceCLI, SourceSQL:
	default:
		es.add("source", "Nguồn %q không có; phải là web, cli hoặc sql.", n.Source)
	}
	for _, c := range n.Targets {
		switch commune, hamlet, qualified := strings.Cut(c, "/"); {
		case n.Commune == Province && (!validCode(commune) || qualified && !validCode(hamlet)):
			es.add("targets", "Mục %q không hợp lệ; thông báo toàn tỉnh nhắm tới mã xã (xa-an-phu) hoặc xã/thôn (xa-an-phu/ap-1), "+
				"mã chỉ gồm chữ thường không dấu, số và dấu '-'.", c)
		case n.Commune != Province && !validCode(c):
			es.add("targets", "Mã thôn/ấp %q không hợp lệ; mã chỉ gồm chữ thường không dấu, số và dấu '-'.", c)
		}
	}
	if n.Recurrence != "" {
		if _, err := ParseRecurrence(n.Recurrence, loc); err != nil {
			es.add("recurrence", "%s", err.Error())
		}
	}
	if !n.ExpiresAt.IsZero() {
		switch {
		case !n.PublishAt.IsZero() && !n.ExpiresAt.After(n.PublishAt):
			es.add("expires_at", "Hạn hết hiệu lực (%s) phải sau thời điểm đăng (%s); hãy lùi hạn lại hoặc đăng sớm hơn.",
				FormatDisplay(n.ExpiresAt, loc), FormatDisplay(n.PublishAt, loc))
		case !n.ExpiresAt.After(now):
			es.add("expires_at", "Hạn hết hiệu lực (%s) đã qua; hãy chọn một thời điểm trong tương lai.", FormatDisplay(n.ExpiresAt, loc))
		}
	}
	if len(n.Image) > 0 || n.ImageType != "" {
		typ := http.DetectContentType(n.Image)
		switch {
		case len(n.Image) == 0:
			es.add("image", "Ảnh trống; hãy chọn tệp ảnh JPEG hoặc PNG.")
		case typ != "image/jpeg" && typ != "image/png":
			es.add("image", "Tệp ảnh không phải JPEG hoặc PNG; hãy chọn ảnh .jpg hoặc .png.")
		case len(n.Image) > MaxImage:
			es.add("image", "Ảnh nặng %s MB, quá giới hạn 1 MB; hãy thu nhỏ ảnh.", // a decimal comma: 1,4 MB
				strings.Replace(fmt.Sprintf("%.1f", float64(len(n.Image))/(1<<20)), ".", ",", 1))
		default:
			n.ImageType = typ
		}
	}
	return es.Err()
}

// nfcBody NFC-normalises text and unifies line ends.
func nfcBody(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(nfcTrim(s), "\r\n", "\n"), "\r", "\n")
}

func validCode(c string) bool {
	if c == "" || len(c) > MaxCode {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// normalize NFC-normalises the hamlet's text and fills its code from its
// name when empty.
func (h *Hamlet) normalize() {
	h.Name = nfcTrim(h.Name)
	h.GroupID = strings.TrimSpace(h.GroupID)
	h.Code = strings.ToLower(strings.TrimSpace(h.Code))
	if h.Code == "" {
		h.Code = Slug(h.Name)
	}
}

// Validate checks the hamlet's fields (uniqueness is checked by the store),
// after normalising them.
func (h *Hamlet) Validate() error {
	h.normalize()
	var es FieldErrors
	switch l := utf8.RuneCountInString(h.Name); {
	case l == 0:
		es.add("name", "Tên thôn/ấp không được để trống; hãy nhập tên, ví dụ \"Khóm 1\".")
	case l > MaxHamlet:
		es.add("name", "Tên thôn/ấp dài %d ký tự, quá giới hạn %d; hãy rút gọn.", l, MaxHamlet)
	}
	switch {
	case h.Code == "" && h.Name != "":
		es.add("code", "Không tạo được mã từ tên %q; hãy tự đặt mã bằng chữ thường không dấu, ví dụ \"khom-1\".", h.Name)
	case h.Code != "" && !validCode(h.Code):
		es.add("code", "Mã %q không hợp lệ; mã chỉ gồm chữ thường không dấu, số và dấu '-', tối đa %d ký tự.", h.Code, MaxCode)
	}
	switch {
	case h.GroupID == "":
		es.add("group_id", "Chưa có mã nhóm Zalo; hãy nhập mã nhóm (group_id) của nhóm Zalo của thôn/ấp.")
	case len(h.GroupID) > MaxGroupID:
		es.add("group_id", "Mã nhóm Zalo dài quá %d ký tự; hãy kiểm tra lại.", MaxGroupID)
	case strings.ContainsAny(h.GroupID, " \t\n,"):
		es.add("group_id", "Mã nhóm Zalo %q có khoảng trắng hoặc dấu phẩy; hãy kiểm tra lại.", h.GroupID)
	}
	return es.Err()
}
