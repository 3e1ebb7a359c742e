package notices

// The staff decisions on a notice: approve, reject, cancel.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ApproveNotice approves pending notice id. The approver may not be its
// author unless allowSelf (LOAXA_SELF_APPROVE); an approver who is a known
// user must have a role that approves; an expired notice is not approved.
func (s *Store) ApproveNotice(ctx context.Context, id int64, approver string, allowSelf bool) error {
	return s.ApproveNoticeVersion(ctx, id, approver, allowSelf, "")
}

// ApproveNoticeVersion is ApproveNotice of the notice as the approver read
// it: version is its Version() then ("" skips the check). A notice changed
// since is not approved (version.go).
func (s *Store) ApproveNoticeVersion(ctx context.Context, id int64, approver string, allowSelf bool, version string) error {
	approver = strings.TrimSpace(approver)
	return s.update(ctx, func(tx *txn) error {
		status, author, expires, damaged, err := noticeState(ctx, tx, id)
		if err != nil {
			return err
		}
		if status != StatusPending {
			return fieldErr("status", "Thông báo số %d đang ở trạng thái %q; chỉ duyệt được thông báo đang chờ duyệt.", id, status.Label())
		}
		if err := s.checkVersion(ctx, tx, id, version); err != nil {
			return err
		}
		if damaged {
			return fieldErr("status", "Thông báo số %d bị hỏng nên không duyệt được; hãy hủy nó và viết lại thông báo mới.", id)
		}
		if l := utf8.RuneCountInString(approver); l > MaxAuthor {
			return fieldErr("approver", "Tên người duyệt dài %d ký tự, quá giới hạn %d; hãy rút gọn.", l, MaxAuthor)
		}
		if !allowSelf && author != "" && strings.EqualFold(author, approver) {
			return fieldErr("approver", "Người duyệt không được là người viết thông báo (%s); hãy nhờ người khác duyệt.", author)
		}
		if err := approverFits(ctx, tx, id, approver, "duyệt"); err != nil {
			return err
		}
		if !expires.IsZero() && !expires.After(tx.Now) {
			return fieldErr("expires_at", "Thông báo số %d đã hết hạn lúc %s; hãy tạo thông báo mới.", id, FormatDisplay(expires, s.loc))
		}
		// A correction or withdrawal written before its original was
		// withdrawn by another is not approved after it.
		var refersTo int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(refers_to, 0) FROM notices WHERE id = ?`, id).Scan(&refersTo); err != nil {
			return fmt.Errorf("get notice %d: %w", id, err)
		}
		if refersTo != 0 {
			if w, err := withdrawnBy(ctx, tx, refersTo); err != nil {
				return err
			} else if w != 0 && w != id {
				return fieldErr("refers_to", "%s", withdrawnMsg(refersTo, w))
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = 'approved', approver = ?, approved_at = ?, updated_at = ?
			WHERE id = ?`, approver, fmtTime(tx.Now), fmtTime(tx.Now), id); err != nil {
			return fmt.Errorf("approve notice %d: %w", id, err)
		}
		return tx.audit(ctx, approver, "notice.approve", id, 0, "")
	})
}

// RejectNotice rejects pending notice id with a reason for its author.
func (s *Store) RejectNotice(ctx context.Context, id int64, approver, reason string) error {
	reason = nfcTrim(reason)
	if reason == "" {
		return fieldErr("reason", "Hãy ghi lý do từ chối để người viết biết cần sửa gì.")
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		status, _, _, _, err := noticeState(ctx, tx, id)
		if err != nil {
			return err
		}
		if status != StatusPending {
			return fieldErr("status", "Thông báo số %d đang ở trạng thái %q; chỉ từ chối được thông báo đang chờ duyệt.", id, status.Label())
		}
		if err := approverFits(ctx, tx, id, approver, "từ chối"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = 'rejected', approver = ?, reason = ?, updated_at = ?
			WHERE id = ?`, approver, reason, fmtTime(tx.Now), id); err != nil {
			return fmt.Errorf("reject notice %d: %w", id, err)
		}
		return tx.audit(ctx, approver, "notice.reject", id, 0, reason)
	})
}

// CancelNotice cancels pending, approved or draft notice id: nothing more of
// it is sent. Its queued and retrying deliveries become 'skipped' with the
// reason, and occurrences held for a bulletin are skipped. It returns how
// many deliveries it skipped. What was already sent stays sent: to withdraw
// it in the groups, create a cancel notice that refers to it.
func (s *Store) CancelNotice(ctx context.Context, id int64, actor, reason string) (int, error) {
	reason = nfcTrim(reason)
	why := "Thông báo đã bị hủy"
	if reason != "" {
		why += ": " + reason
	}
	if err := checkReason(reason); err != nil {
		return 0, err
	}
	var skipped int64
	err := s.update(ctx, func(tx *txn) error {
		status, _, _, _, err := noticeState(ctx, tx, id)
		if err != nil {
			return err
		}
		switch status {
		case StatusDraft, StatusPending, StatusApproved:
		default:
			return fieldErr("status", "Thông báo số %d đang ở trạng thái %q nên không hủy được; chỉ hủy được thông báo nháp, chờ duyệt hoặc đã duyệt.", id, status.Label())
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = 'cancelled', reason = ?, updated_at = ? WHERE id = ?`,
			reason, fmtTime(tx.Now), id); err != nil {
			return fmt.Errorf("cancel notice %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', error = ?, updated_at = ?
			WHERE notice_id = ? AND status IN ('queued', 'retry')`, why, fmtTime(tx.Now), id)
		if err != nil {
			return fmt.Errorf("skip deliveries of notice %d: %w", id, err)
		}
		skipped, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE occurrences SET status = 'skipped', reason = ?
			WHERE notice_id = ? AND status = 'held'`, why, id); err != nil {
			return fmt.Errorf("skip occurrences of notice %d: %w", id, err)
		}
		return tx.audit(ctx, actor, "notice.cancel", id, 0, reason)
	})
	return int(skipped), err
}

// approverFits refuses an approver who is a known account that may not
// decide on notice id (what: "duyệt" or "từ chối"): one whose role does not
// approve, or a commune's account deciding on another commune's notice or on
// a province notice. A name that is no account (a program's, the CLI's
// --as) is taken as given.
func approverFits(ctx context.Context, tx *txn, id int64, approver, what string) error {
	var role Role
	var userCommune, noticeCommune int64
	var userCode, noticeCode string
	err := tx.QueryRowContext(ctx, `SELECT u.role, coalesce(u.commune_id, 0), coalesce(uc.name, ''),
			coalesce(n.commune_id, 0), coalesce(nc.name, '')
		FROM users u JOIN notices n ON n.id = ?
		LEFT JOIN communes uc ON uc.id = u.commune_id LEFT JOIN communes nc ON nc.id = n.commune_id
		WHERE u.username = ?`, id, approver).Scan(&role, &userCommune, &userCode, &noticeCommune, &noticeCode)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get user %s: %w", approver, err)
	}
	if !role.CanApprove() {
		return fieldErr("approver", "Tài khoản %s không có quyền %s; hãy nhờ người có vai trò approver hoặc admin.", approver, what)
	}
	if userCommune == 0 || userCommune == noticeCommune {
		return nil
	}
	whose := "cấp tỉnh"
	if noticeCommune != 0 {
		whose = "của " + noticeCode
	}
	return fieldErr("approver", "Tài khoản %s thuộc %s nên không %s được thông báo số %d (thông báo %s); "+
		"hãy nhờ người duyệt của nơi viết thông báo.", approver, userCode, what, id, whose)
}
