package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Editable reports whether a notice may still be edited: a draft, one
// waiting for approval, or one sent back by the approver. An approved
// notice is never edited in place (a correction is an update notice).
func (n *Notice) Editable() bool {
	switch n.Status {
	case StatusDraft, StatusPending, StatusRejected:
		return true
	}
	return false
}

// UpdateNotice rewrites the text, targets and times of draft, pending or
// rejected notice n.ID from n, and moves it to n.Status: StatusPending
// (submitted for approval again) or StatusDraft (kept as a draft). Its kind,
// refers_to, author and source stay as they were. With keepImage and no
// n.Image, the stored image stays; otherwise n's image (none: removed)
// replaces it. A rejected notice keeps its reason while it is a draft, so
// that its author can still read it; a submitted one loses it (the audit log
// keeps it). Validation comes first; the write is one transaction.
func (s *Store) UpdateNotice(ctx context.Context, n *Notice, actor string, keepImage bool) error {
	return s.UpdateNoticeVersion(ctx, n, actor, keepImage, "")
}

// UpdateNoticeVersion is UpdateNotice of the notice as its editor opened
// it: version is its Version() then ("" skips the check). When someone
// else saved it since, nothing is written and the refusal says who and
// when (version.go).
func (s *Store) UpdateNoticeVersion(ctx context.Context, n *Notice, actor string, keepImage bool, version string) error {
	if n.Status != StatusPending && n.Status != StatusDraft {
		return fieldErr("status", "Chỉ lưu được thành nháp hoặc gửi đi chờ duyệt.")
	}
	// Kind, refers_to, author and source are the stored notice's; read them
	// first so that validation sees the notice as it will be.
	prev, err := s.Notice(ctx, n.ID)
	if err != nil {
		return err
	}
	n.Kind, n.RefersTo, n.Author, n.Source = prev.Kind, prev.RefersTo, prev.Author, prev.Source
	if err := n.Validate(s.Now(), s.loc); err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		cur, err := scanNotice(tx.QueryRowContext(ctx, `SELECT `+fmt.Sprintf(noticeColumns, "NULL")+` FROM notices WHERE id = ?`, n.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get notice %d: %w", n.ID, err)
		}
		if err := s.checkVersion(ctx, tx, n.ID, version); err != nil {
			return err
		}
		if !cur.Editable() {
			return fieldErr("status", "Thông báo số %d đang ở trạng thái %q nên không sửa được nữa; chỉ sửa được thông báo nháp, "+
				"chờ duyệt hoặc bị từ chối. Muốn đổi một thông báo đã duyệt thì hãy gửi đính chính.", n.ID, cur.Status.Label())
		}
		if cur.Damaged != "" {
			return fieldErr("status", "Thông báo số %d bị hỏng nên không sửa được; hãy dừng nó và viết thông báo mới.", n.ID)
		}
		if cur.Kind != n.Kind || cur.RefersTo != n.RefersTo {
			return fieldErr("status", "Thông báo số %d vừa được người khác thay đổi; hãy mở lại rồi sửa.", n.ID)
		}
		n.Commune, n.CommuneID = cur.Commune, cur.CommuneID // an edit never moves a notice to another commune
		// A follow-up goes where its original went (followuptargets.go).
		if n.RefersTo != 0 {
			var orig string
			if err := tx.QueryRowContext(ctx, `SELECT targets FROM notices WHERE id = ?`, n.RefersTo).Scan(&orig); err != nil {
				return fmt.Errorf("get notice %d: %w", n.RefersTo, err)
			}
			if msg := pinTargets(n, orig); msg != "" {
				return fieldErr("targets", "%s", msg)
			}
		}
		es, err := checkTargets(ctx, tx, n)
		if err != nil {
			return err
		}
		if err := es.Err(); err != nil {
			return err
		}
		reason := cur.Reason
		if n.Status == StatusPending {
			reason = ""
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET title = ?, body = ?, category = ?, priority = ?, status = ?,
			targets = ?, publish_at = ?, recurrence = ?, expires_at = ?, approver = '', approved_at = NULL, reason = ?,
			updated_at = ? WHERE id = ?`,
			n.Title, n.Body, n.Category, n.Priority, n.Status, joinTargets(n.Targets), fmtTime(n.PublishAt),
			nullStr(n.Recurrence), fmtTime(n.ExpiresAt), reason, fmtTime(tx.Now), n.ID); err != nil {
			return fmt.Errorf("update notice %d: %w", n.ID, err)
		}
		if !keepImage || len(n.Image) > 0 {
			var image any
			if len(n.Image) > 0 {
				image = n.Image
			}
			if _, err := tx.ExecContext(ctx, `UPDATE notices SET image = ?, image_type = ? WHERE id = ?`,
				image, nullStr(n.ImageType), n.ID); err != nil {
				return fmt.Errorf("update image of notice %d: %w", n.ID, err)
			}
		}
		n.UpdatedAt = tx.Now
		action := "notice.edit"
		if n.Status == StatusPending && cur.Status != StatusPending {
			action = "notice.submit"
		}
		return tx.audit(ctx, actor, action, n.ID, 0, string(n.Status))
	})
}

// SubmitNotice sends draft or rejected notice id for approval as it is.
func (s *Store) SubmitNotice(ctx context.Context, id int64, actor string) error {
	n, err := s.Notice(ctx, id)
	if err != nil {
		return err
	}
	if n.Status != StatusDraft && n.Status != StatusRejected {
		return fieldErr("status", "Thông báo số %d đang ở trạng thái %q; chỉ gửi duyệt được bản nháp hoặc thông báo bị từ chối.",
			id, n.Status.Label())
	}
	n.Status = StatusPending
	return s.UpdateNotice(ctx, n, actor, true)
}

// DuplicateNotice copies notice id (any status) into a new draft by actor:
// the same title, body, category, priority, targets, recurrence and image,
// as a plain notice (a copy of a correction refers to nothing), without the
// original's times, which have usually passed. It returns the new draft.
func (s *Store) DuplicateNotice(ctx context.Context, id int64, actor string) (*Notice, error) {
	orig, err := s.Notice(ctx, id)
	if err != nil {
		return nil, err
	}
	if orig.Damaged != "" {
		return nil, fieldErr("status", "Thông báo số %d bị hỏng nên không sao chép được; hãy viết thông báo mới.", id)
	}
	n := &Notice{Title: orig.Title, Body: orig.Body, Category: orig.Category, Priority: orig.Priority,
		Targets: orig.Targets, Recurrence: orig.Recurrence, Image: orig.Image, ImageType: orig.ImageType,
		Kind: KindNotice, Status: StatusDraft, Author: actor, Source: SourceWeb, Commune: orig.Commune}
	if err := s.CreateNotice(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// LastRejection is the newest rejection of notice id: who, when and why;
// zero when it was never rejected. The edit form shows it.
func (s *Store) LastRejection(ctx context.Context, id int64) (AuditEntry, error) {
	es, err := s.Audit(ctx, AuditFilter{NoticeID: id, Action: "notice.reject", Limit: 1})
	if err != nil || len(es) == 0 {
		return AuditEntry{}, err
	}
	return es[0], nil
}
