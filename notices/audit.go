package notices

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log: who did what, when.
type AuditEntry struct {
	ID       int64
	At       time.Time
	Actor    string // user name, 'cli', 'daemon' or 'sql'
	Action   string // e.g. notice.create, notice.approve, hamlet.add
	NoticeID int64
	HamletID int64
	Detail   string
	// CommuneID, given to AppendAudit, makes the entry that commune's (its
	// staff see it) when it names no hamlet or notice; 0: as they do. Read
	// back by Audit, it is the commune the entry belongs to; 0: the
	// province's (a province account's or province notice's).
	CommuneID int64
}

// AppendAudit records an action done outside the store's own methods (a
// sign-in, a Zalo connection). Store methods audit their own writes.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	if strings.TrimSpace(e.Actor) == "" || strings.TrimSpace(e.Action) == "" {
		return fmt.Errorf("append audit: actor and action are required")
	}
	return s.update(ctx, func(tx *txn) error {
		if !e.At.IsZero() {
			tx.Now = e.At.UTC().Truncate(time.Second)
		}
		if e.CommuneID != 0 && e.NoticeID == 0 && e.HamletID == 0 {
			return tx.auditIn(ctx, e.CommuneID, e.Actor, e.Action, 0, 0, nfcTrim(e.Detail))
		}
		return tx.audit(ctx, e.Actor, e.Action, e.NoticeID, e.HamletID, nfcTrim(e.Detail))
	})
}

// AuditFilter selects audit entries. Zero fields select everything.
type AuditFilter struct {
	Actor    string
	Action   string // exact, or a prefix ending in '.', e.g. "notice."
	NoticeID int64
	HamletID int64
	// CommuneID keeps one commune's entries alone; 0: every entry.
	CommuneID int64
	Since     time.Time // inclusive
	Until     time.Time // exclusive
	Limit     int       // default 100
	Offset    int
}

// Audit lists audit entries, newest first.
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.Actor != "" {
		add(`actor = ?`, f.Actor)
	}
	if strings.HasSuffix(f.Action, ".") {
		add(`substr(action, 1, ?) = ?`, len(f.Action))
		args = append(args, f.Action)
	} else if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if f.NoticeID != 0 {
		add(`notice_id = ?`, f.NoticeID)
	}
	if f.HamletID != 0 {
		add(`hamlet_id = ?`, f.HamletID)
	}
	if f.CommuneID != 0 {
		add(`commune_id = ?`, f.CommuneID)
	}
	if !f.Since.IsZero() {
		add(`at >= ?`, fmtTime(f.Since))
	}
	if !f.Until.IsZero() {
		add(`at < ?`, fmtTime(f.Until))
	}
	q := `SELECT id, at, actor, action, coalesce(notice_id, 0), coalesce(hamlet_id, 0), detail, coalesce(commune_id, 0) FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ? OFFSET ?`
	args = append(args, f.Limit, max(f.Offset, 0))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var es []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.NoticeID, &e.HamletID, &e.Detail, &e.CommuneID); err != nil {
			return nil, fmt.Errorf("list audit: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("list audit: %w", err)
		}
		es = append(es, e)
	}
	return es, rows.Err()
}
