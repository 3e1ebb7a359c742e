package notices

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the free-text columns that 0002_refusals.sql added; the schema
// refuses longer values, and Validate says so first in Vietnamese.
const (
	MaxAuthor     = 200 // author and approver
	MaxReason     = 4000
	MaxRecurrence = 100
)

// DamagedLabel prefixes a damaged notice's reason wherever staff read it.
const DamagedLabel = "Thông báo hỏng"

// DamagedText is what staff read about a damaged notice: "Thông báo hỏng: …",
// or "" when the notice is sound.
func (n *Notice) DamagedText() string {
	if n.Damaged == "" {
		return ""
	}
	return DamagedLabel + ": " + n.Damaged
}

// rowReader turns the values of one notices row, scanned into any, into a
// Notice. What it cannot read is noted as damage in plain Vietnamese and
// left at its zero value, so one bad column never hides the rest of the row
// and one bad row never fails a list.
type rowReader struct {
	damage []string
}

func (r *rowReader) bad(format string, args ...any) {
	r.damage = append(r.damage, fmt.Sprintf(format, args...))
}

// text reads a text column. NUL characters and bytes that are not UTF-8
// are damage: NUL hid the real length of a body from SQLite's length().
func (r *rowReader) text(col string, v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	case []byte:
		s = string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		s = fmt.Sprint(x)
	}
	if strings.IndexByte(s, 0) >= 0 {
		r.bad("cột %s chứa ký tự NUL (mã 0), làm SQLite đếm sai độ dài", col)
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if !utf8.ValidString(s) {
		r.bad("cột %s có byte không phải chữ UTF-8", col)
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// time reads a time column: NULL is the zero time; anything but the stored
// form ('2006-01-02 15:04:05', UTC) is damage.
func (r *rowReader) time(col string, v any) time.Time {
	s := r.text(col, v)
	if v == nil || s == "" && col != "created_at" && col != "updated_at" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(sqlTime, s, time.UTC)
	if err != nil {
		r.bad("cột %s có giá trị %q, không phải một thời điểm (cần dạng %q, giờ UTC)", col, clipShown(s), "2026-12-01 00:30:00")
		return time.Time{}
	}
	return t
}

// id reads an integer column such as refers_to.
func (r *rowReader) id(col string, v any) int64 {
	switch x := v.(type) {
	case nil:
		return 0
	case int64:
		return x
	}
	s := r.text(col, v)
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		return n
	}
	r.bad("cột %s có giá trị %q, không phải số thông báo", col, clipShown(s))
	return 0
}

// targets reads the targets column; a code named twice is damage (the
// schema refuses it since 0002; it made the daemon's delivery rows clash).
func (r *rowReader) targets(v any) []string {
	ts := splitTargets(r.text("targets", v))
	seen := make(map[string]bool, len(ts))
	var out []string
	for _, c := range ts {
		if seen[c] {
			r.bad("cột targets ghi mã thôn/ấp %q hai lần", c)
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

// length checks a text column against its limit in characters.
func (r *rowReader) length(what, s string, limit int) {
	if l := utf8.RuneCountInString(s); l > limit {
		r.bad("%s dài %d ký tự, quá giới hạn %d", what, l, limit)
	}
}

// oneOf checks an enumerated column.
func (r *rowReader) oneOf(col, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	r.bad("cột %s có giá trị lạ %q", col, clipShown(s))
}

func clipShown(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// noticeColumns are read by scanNotice; image is replaced by NULL in lists.
const noticeColumns = `id, title, body, category, priority, status, targets, publish_at, recurrence, expires_at,
	kind, refers_to, %s, image_type, author, approver, approved_at, reason, source, last_due_at, created_at, updated_at,
	damaged_reason, damaged_at, commune, commune_id`

const noticeColumnCount = 26

// scanNotice reads one notices row. Its error is only the scanner's own
// (sql.ErrNoRows, a closed connection): a value it cannot read makes the
// notice Damaged instead, with the reason.
func scanNotice(sc interface{ Scan(...any) error }) (Notice, error) {
	var v [noticeColumnCount]any
	ptrs := make([]any, len(v))
	for i := range v {
		ptrs[i] = &v[i]
	}
	if err := sc.Scan(ptrs...); err != nil {
		return Notice{}, err
	}
	var r rowReader
	n := Notice{ID: r.id("id", v[0])}
	n.Title = r.text("title", v[1])
	n.Body = r.text("body", v[2])
	n.Category = r.text("category", v[3])
	n.Priority = Priority(r.text("priority", v[4]))
	n.Status = Status(r.text("status", v[5]))
	n.Targets = r.targets(v[6])
	n.PublishAt = r.time("publish_at", v[7])
	n.Recurrence = r.text("recurrence", v[8])
	n.ExpiresAt = r.time("expires_at", v[9])
	n.Kind = Kind(r.text("kind", v[10]))
	n.RefersTo = r.id("refers_to", v[11])
	switch img := v[12].(type) {
	case []byte:
		n.Image = img
	case string:
		n.Image = []byte(img)
	}
	n.ImageType = r.text("image_type", v[13])
	n.Author = r.text("author", v[14])
	n.Approver = r.text("approver", v[15])
	n.ApprovedAt = r.time("approved_at", v[16])
	n.Reason = r.text("reason", v[17])
	n.Source = Source(r.text("source", v[18]))
	n.LastDueAt = r.time("last_due_at", v[19])
	n.CreatedAt = r.time("created_at", v[20])
	n.UpdatedAt = r.time("updated_at", v[21])
	stored := r.text("damaged_reason", v[22])
	n.DamagedAt = r.time("damaged_at", v[23])
	n.Commune = r.text("commune", v[24])
	n.CommuneID = r.id("commune_id", v[25])

	r.length("tiêu đề", n.Title, MaxTitle)
	r.length("nội dung", n.Body, MaxBody)
	r.length("chuyên mục", n.Category, MaxCategory)
	r.oneOf("priority", string(n.Priority), string(Urgent), string(Normal), string(Low))
	r.oneOf("kind", string(n.Kind), string(KindNotice), string(KindUpdate), string(KindCancel))
	switch {
	case stored != "":
		n.Damaged = stored
	case len(r.damage) > 0:
		n.Damaged = strings.Join(r.damage, "; ")
	case !n.DamagedAt.IsZero():
		n.Damaged = "đã để riêng, không rõ lý do"
	}
	return n, nil
}

// SetAside marks notice id as damaged with a plain-language reason, so that
// the daemon passes over it and staff see why; an audit entry records it.
// It reports whether the notice was not already set aside.
func (s *Store) SetAside(ctx context.Context, id int64, reason string) (bool, error) {
	reason = nfcTrim(strings.ReplaceAll(reason, "\x00", ""))
	if reason == "" {
		reason = "không đọc được thông báo"
	}
	if r := []rune(reason); len(r) > MaxReason {
		reason = string(r[:MaxReason-1]) + "…"
	}
	var changed bool
	err := s.update(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE notices SET damaged_reason = ?, damaged_at = ?
			WHERE id = ? AND damaged_at IS NULL`, reason, fmtTime(tx.Now), id)
		if err != nil {
			return fmt.Errorf("set notice %d aside: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		changed = true
		return tx.audit(ctx, "daemon", "notice.set_aside", id, 0, reason)
	})
	return changed, err
}

// SetAsideNotice is a notice the daemon set aside and that still waits for a
// person: it is approved or pending, so nothing of it goes out.
type SetAsideNotice struct {
	ID     int64     `json:"id"`
	Title  string    `json:"title"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// SetAsideNotices lists the notices set aside that are still live (not
// cancelled, rejected or otherwise closed), oldest first.
func (s *Store) SetAsideNotices(ctx context.Context) ([]SetAsideNotice, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, damaged_reason, damaged_at FROM notices
		WHERE damaged_at IS NOT NULL AND status IN ('draft', 'pending', 'approved') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list notices set aside: %w", err)
	}
	defer rows.Close()
	var out []SetAsideNotice
	for rows.Next() {
		var title, reason, at any
		var a SetAsideNotice
		if err := rows.Scan(&a.ID, &title, &reason, &at); err != nil {
			return nil, fmt.Errorf("list notices set aside: %w", err)
		}
		var r rowReader
		a.Title, a.Reason, a.At = r.text("title", title), r.text("damaged_reason", reason), r.time("damaged_at", at)
		out = append(out, a)
	}
	return out, rows.Err()
}
