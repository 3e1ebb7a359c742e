package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Label is the status as staff read it.
func (s Status) Label() string {
	switch s {
	case StatusDraft:
		return "nháp"
	case StatusPending:
		return "chờ duyệt"
	case StatusApproved:
		return "đã duyệt"
	case StatusDone:
		return "đã gửi xong"
	case StatusRejected:
		return "bị từ chối"
	case StatusCancelled:
		return "đã hủy"
	case StatusExpired:
		return "hết hạn"
	}
	return string(s)
}

// splitTargets reads the targets column: nil for 'all'.
func splitTargets(s string) []string {
	if strings.TrimSpace(s) == AllHamlets {
		return nil
	}
	var ts []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			ts = append(ts, c)
		}
	}
	return ts
}

// joinTargets writes the targets column.
func joinTargets(ts []string) string {
	if len(ts) == 0 {
		return AllHamlets
	}
	return strings.Join(ts, ",")
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateNotice validates n and stores it. Status may be draft, pending
// (the default) or approved (the CLI's --approve; Approver defaults to
// Author). An update or cancel notice with no targets goes to the hamlets of
// the notice it refers to. Unknown hamlet codes, a refers_to that names no
// notice, or no active hamlet to send to are FieldErrors; nothing is written
// then. The audit actor is the author, or the source when there is none.
func (s *Store) CreateNotice(ctx context.Context, n *Notice) error {
	now := s.Now()
	if err := n.Validate(now, s.loc); err != nil {
		return err
	}
	if n.Status == StatusApproved {
		if n.Approver == "" {
			n.Approver = n.Author
		}
		n.ApprovedAt = now
	} else {
		n.Approver, n.ApprovedAt = "", time.Time{}
	}
	return s.update(ctx, func(tx *txn) error {
		var es FieldErrors
		if n.RefersTo != 0 {
			targets, msg, err := referTo(ctx, tx, n.RefersTo, n.Kind)
			switch {
			case err != nil:
				return err
			case msg != "":
				es.add("refers_to", "%s", msg)
			default:
				if m := pinTargets(n, targets); m != "" {
					es.add("targets", "%s", m)
				}
			}
			var orig string
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(commune, '') FROM notices WHERE id = ?`, n.RefersTo).
				Scan(&orig); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("get notice %d: %w", n.RefersTo, err)
			}
			switch {
			case orig == "":
			case n.Commune == "":
				n.Commune = orig
			case n.Commune != orig:
				es.add("commune", "Thông báo gốc số %d thuộc %s; thông báo sửa hoặc hủy phải cùng nơi với nó.", n.RefersTo, communeLabel(orig))
			}
		}
		ces, err := noticeCommune(ctx, tx, n)
		if err != nil {
			return err
		}
		es = append(es, ces...)
		if ces.Has("commune") {
			return es // the targets cannot be checked without it
		}
		tes, err := checkTargets(ctx, tx, n)
		if err != nil {
			return err
		}
		es = append(es, tes...)
		if len(es) > 0 {
			return es
		}
		var image any
		if len(n.Image) > 0 {
			image = n.Image
		}
		// Mark the insert as loaxa's own for the notices_sql_audit trigger
		// (0003_security.sql); the mark is gone again before the commit.
		if _, err := tx.ExecContext(ctx, `INSERT INTO site_writes (id) VALUES (1)`); err != nil {
			return fmt.Errorf("mark notice insert: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO notices (title, body, category, priority, status, targets,
			publish_at, recurrence, expires_at, kind, refers_to, image, image_type, author, approver, approved_at,
			source, created_at, updated_at, commune, commune_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.Title, n.Body, n.Category, n.Priority, n.Status, joinTargets(n.Targets),
			fmtTime(n.PublishAt), nullStr(n.Recurrence), fmtTime(n.ExpiresAt), n.Kind, nullID(n.RefersTo),
			image, nullStr(n.ImageType), n.Author, n.Approver, fmtTime(n.ApprovedAt),
			n.Source, fmtTime(tx.Now), fmtTime(tx.Now), n.Commune, nullID(n.CommuneID))
		if err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		n.ID, _ = res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `DELETE FROM site_writes`); err != nil {
			return fmt.Errorf("unmark notice insert: %w", err)
		}
		n.CreatedAt, n.UpdatedAt = tx.Now, tx.Now
		actor := n.Author
		if actor == "" {
			actor = string(n.Source)
		}
		if err := tx.audit(ctx, actor, "notice.create", n.ID, 0, string(n.Status)); err != nil {
			return err
		}
		if n.Status == StatusApproved {
			return tx.audit(ctx, n.Approver, "notice.approve", n.ID, 0, "")
		}
		return nil
	})
}

// checkReason refuses a reason longer than the schema keeps, or with NUL.
func checkReason(reason string) error {
	if l := utf8.RuneCountInString(reason); l > MaxReason {
		return fieldErr("reason", "Lý do dài %d ký tự, quá giới hạn %d; hãy rút gọn.", l, MaxReason)
	}
	if strings.IndexByte(reason, 0) >= 0 {
		return fieldErr("reason", "Lý do có ký tự NUL (mã 0); hãy gõ lại lý do.")
	}
	return nil
}

// publishedSQL is true for a notice that was approved, and not since sent
// back; one that went out (wentOutSQL) also reached a group.
const publishedSQL = `(status IN ('approved', 'done', 'cancelled', 'expired') AND approved_at IS NOT NULL)`

// wentOutSQL is true for notice n (aliased n) that reached at least one
// group: a delivery of it sent, directly or in a bulletin. Only such a
// notice may be corrected or withdrawn (the notices_refers_to_sent
// trigger's rule, 0009_refers_to_sent.sql): residents have seen its title.
const wentOutSQL = `(EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = n.id AND d.status = 'sent')
	OR EXISTS (SELECT 1 FROM occurrences o JOIN bulletin_items bi ON bi.occurrence_id = o.id
		JOIN deliveries d ON d.bulletin_id = bi.bulletin_id AND d.hamlet_id = bi.hamlet_id
		WHERE o.notice_id = n.id AND d.status = 'sent'))`

// notSentYet explains why an approved notice that no group has received
// yet cannot be corrected or withdrawn, and what to do instead.
func notSentYet(id int64, status Status, kind Kind) string {
	switch {
	case status != StatusApproved:
		return fmt.Sprintf("Thông báo số %d đã dừng trước khi tới nhóm nào, nên không có gì để đính chính hay hủy; "+
			"nếu cần, hãy soạn một thông báo mới.", id)
	case kind == KindCancel:
		return fmt.Sprintf("Thông báo số %d đã duyệt nhưng chưa được gửi tới nhóm nào. Muốn nó không được gửi thì hãy "+
			"dừng chính thông báo đó (nút «Dừng thông báo» trên trang của nó, hoặc loaxa notice cancel %d); "+
			"không cần gửi thông báo hủy.", id, id)
	}
	return fmt.Sprintf("Thông báo số %d đã duyệt nhưng chưa được gửi tới nhóm nào, nên chưa thể đính chính "+
		"(bà con chưa thấy nó). Hãy dừng thông báo đó (nút «Dừng thông báo» hoặc loaxa notice cancel %d) "+
		"rồi soạn lại bản đúng.", id, id)
}

// CanReferTo says why a notice of kind (update or cancel) may not refer to
// notice id, in plain Vietnamese, or returns "" when it may: id must have
// reached at least one group. CreateNotice applies the same rule.
func (s *Store) CanReferTo(ctx context.Context, id int64, kind Kind) (string, error) {
	_, msg, err := referTo(ctx, s.db, id, kind)
	return msg, err
}

// referTo checks that a notice of kind may refer to notice id (see
// CanReferTo) and returns id's targets.
func referTo(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, id int64, kind Kind) (targets, msg string, err error) {
	var published, sent bool
	var status Status
	var origKind Kind
	var origRefers int64
	err = q.QueryRowContext(ctx, `SELECT n.targets, n.status, n.kind, coalesce(n.refers_to, 0), `+publishedSQL+`, `+wentOutSQL+`
		FROM notices n WHERE n.id = ?`, id).Scan(&targets, &status, &origKind, &origRefers, &published, &sent)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", fmt.Sprintf("Không có thông báo số %d; hãy kiểm tra số thông báo gốc.", id), nil
	case err != nil:
		return "", "", fmt.Errorf("get notice %d: %w", id, err)
	case origKind != KindNotice:
		return "", followUpOfFollowUp(id, origKind, origRefers), nil
	case !published:
		return "", fmt.Sprintf("Thông báo số %d chưa từng được duyệt để gửi đi, nên không đính chính hay hủy được; "+
			"hãy sửa hoặc hủy chính thông báo đó.", id), nil
	case !sent:
		return "", notSentYet(id, status, kind), nil
	}
	if w, err := withdrawnBy(ctx, q, id); err != nil || w != 0 {
		return "", withdrawnMsg(id, w), err
	}
	return targets, "", nil
}

// Published reports whether n went out (or is going out): approved, still
// or before it was cancelled or expired. Only such a notice may be
// corrected or withdrawn, and only its title may be quoted.
func (n *Notice) Published() bool {
	switch n.Status {
	case StatusApproved, StatusDone, StatusCancelled, StatusExpired:
		return !n.ApprovedAt.IsZero()
	}
	return false
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// Notice returns notice id with its image, or ErrNotFound.
func (s *Store) Notice(ctx context.Context, id int64) (*Notice, error) {
	n, err := scanNotice(s.db.QueryRowContext(ctx,
		`SELECT `+fmt.Sprintf(noticeColumns, "image")+` FROM notices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get notice %d: %w", id, err)
	}
	return &n, nil
}

// Notices lists notices, newest first (OldestFirst: oldest first), without
// their images (ImageType still says whether there is one). The filter is
// in noticefilter.go.
func (s *Store) Notices(ctx context.Context, f NoticeFilter) ([]Notice, error) {
	where, args := f.where()
	q := `SELECT ` + fmt.Sprintf(noticeColumns, "NULL") + ` FROM notices` + where
	if f.Limit <= 0 {
		f.Limit = 100
	}
	order := "DESC"
	if f.OldestFirst {
		order = "ASC"
	}
	q += ` ORDER BY id ` + order + ` LIMIT ? OFFSET ?`
	args = append(args, f.Limit, max(f.Offset, 0))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	defer rows.Close()
	var ns []Notice
	for rows.Next() {
		n, err := scanNotice(rows) // a row it cannot read comes back Damaged, not as an error
		if err != nil {
			return nil, fmt.Errorf("list notices: %w", err)
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

// noticeState reads what the state changes check, in tx. It works on a
// damaged row (an unreadable expires_at reads as "never"), so that such a
// notice can still be cancelled; damaged says whether it is set aside or
// unreadable.
func noticeState(ctx context.Context, tx *txn, id int64) (status Status, author string, expires time.Time, damaged bool, err error) {
	n, err := scanNotice(tx.QueryRowContext(ctx, `SELECT `+fmt.Sprintf(noticeColumns, "NULL")+` FROM notices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", time.Time{}, false, ErrNotFound
	}
	if err != nil {
		return "", "", time.Time{}, false, fmt.Errorf("get notice %d: %w", id, err)
	}
	return n.Status, n.Author, n.ExpiresAt, n.Damaged != "", nil
}
