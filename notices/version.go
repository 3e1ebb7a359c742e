package notices

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Version identifies notice n as a person read it: the approval
// confirmation page and the edit form carry it, and the store refuses to
// approve or save over a notice whose version has changed since
// (ApproveNoticeVersion, UpdateNoticeVersion). It is the last change's
// time, to the second, and a digest of what staff read and edit, so that
// two saves within one second are told apart too.
func (n *Notice) Version() string {
	h := sha256.New()
	for _, f := range []string{n.Title, n.Body, n.Category, string(n.Priority), string(n.Status), joinTargets(n.Targets),
		versionTime(n.PublishAt), n.Recurrence, versionTime(n.ExpiresAt), n.ImageType, n.Reason, versionTime(n.ApprovedAt)} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return strconv.FormatInt(n.UpdatedAt.Unix(), 10) + "-" + hex.EncodeToString(h.Sum(nil)[:6])
}

func versionTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// checkVersion refuses, with who changed notice id and when, a version
// that is not its current one; "" is not checked.
func (s *Store) checkVersion(ctx context.Context, tx *txn, id int64, version string) error {
	if version == "" {
		return nil
	}
	cur, err := scanNotice(tx.QueryRowContext(ctx, `SELECT `+fmt.Sprintf(noticeColumns, "NULL")+` FROM notices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("get notice %d: %w", id, err)
	}
	if cur.Version() == version {
		return nil
	}
	var who string
	if err := tx.QueryRowContext(ctx, `SELECT actor FROM audit_log WHERE notice_id = ? ORDER BY id DESC LIMIT 1`, id).
		Scan(&who); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("last change of notice %d: %w", id, err)
	}
	if who == "" {
		who = "người khác"
	}
	return fieldErr("status", "Thông báo số %d vừa được %s sửa lúc %s (bây giờ: %s), sau khi bạn mở trang này; "+
		"không có gì được lưu. Hãy mở lại thông báo để xem bản mới rồi làm lại.",
		id, who, FormatLocal(cur.UpdatedAt, s.loc), cur.Status.Label())
}
