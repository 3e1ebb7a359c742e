package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// GroupEventKind is what a group event says about a group.
type GroupEventKind string

const (
	GroupJoin       GroupEventKind = "join"    // user_join_group
	GroupLeave      GroupEventKind = "leave"   // user_leave_group, user_out_group
	GroupGone       GroupEventKind = "gone"    // disperse_group, delete_group
	GroupRevoked    GroupEventKind = "revoked" // permission_revoked
	GroupInfoUpdate GroupEventKind = "info"    // update_group_info
)

// GroupEventKindOf maps an event name to its kind; ok is false for the
// events that say nothing about the group itself.
func GroupEventKindOf(name string) (GroupEventKind, bool) {
	switch name {
	case "user_join_group":
		return GroupJoin, true
	case "user_leave_group", "user_out_group":
		return GroupLeave, true
	case "disperse_group", "delete_group":
		return GroupGone, true
	case "permission_revoked":
		return GroupRevoked, true
	case "update_group_info":
		return GroupInfoUpdate, true
	}
	return "", false
}

// WebhookGroup is what the group events said about one group
// (webhook_groups).
type WebhookGroup struct {
	GroupID       string
	MemberDelta   int // joins minus leaves since it was last set to 0
	Joins, Leaves int
	GoneAt        time.Time // disbanded or deleted
	GoneEvent     string
	RevokedAt     time.Time
	InfoUpdatedAt time.Time
	LastEventAt   time.Time
}

// ApplyGroupEvent records what a group event ev says about its group and
// marks ev processed, in one transaction, so that a crash can neither
// lose it nor count it twice. It returns the code of the hamlet that has
// the group ("" if none). Only webhook_groups is written: the hamlet's
// own group facts belong to the group verification (issue 11, other half),
// which reads this table.
func (s *Store) ApplyGroupEvent(ctx context.Context, ev WebhookEvent, kind GroupEventKind) (hamlet string, err error) {
	at := ev.At
	if at.IsZero() {
		at = ev.ReceivedAt
	}
	err = s.commit(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `SELECT code FROM hamlets WHERE group_id = ?`, ev.GroupID).Scan(&hamlet)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("hamlet of group %s: %w", ev.GroupID, err)
		}
		var done sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT processed_at FROM webhook_events WHERE id = ?`, ev.ID).Scan(&done); err != nil {
			return fmt.Errorf("webhook event %d: %w", ev.ID, err)
		}
		if done.Valid {
			return nil // processed already
		}
		var delta, join, leave int
		var gone, revoked, info any
		goneEvent := ""
		switch kind {
		case GroupJoin:
			delta, join = 1, 1
		case GroupLeave:
			delta, leave = -1, 1
		case GroupGone:
			gone, goneEvent = fmtTime(at), ev.Name
		case GroupRevoked:
			revoked = fmtTime(at)
		case GroupInfoUpdate:
			info = fmtTime(at)
		default:
			return fmt.Errorf("unknown group event kind %q", kind)
		}
		now := fmtTime(tx.Now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_groups (group_id, member_delta, joins, leaves,
				gone_at, gone_event, revoked_at, info_updated_at, last_event_at, updated_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
			ON CONFLICT (group_id) DO UPDATE SET member_delta = member_delta + ?2, joins = joins + ?3,
				leaves = leaves + ?4, gone_at = coalesce(?5, gone_at),
				gone_event = CASE WHEN ?5 IS NULL THEN gone_event ELSE ?6 END,
				revoked_at = coalesce(?7, revoked_at), info_updated_at = coalesce(?8, info_updated_at),
				last_event_at = max(last_event_at, ?9), updated_at = ?10`,
			ev.GroupID, delta, join, leave, gone, goneEvent, revoked, info, fmtTime(at), now); err != nil {
			return fmt.Errorf("record %s for group %s: %w", ev.Name, ev.GroupID, err)
		}
		// The group's facts (groupfacts.go), which the site, /healthz and
		// the alarms read, follow the event at once.
		var ferr error
		switch kind {
		case GroupJoin, GroupLeave:
			ferr = adjustMembers(ctx, tx, ev.GroupID, delta)
		case GroupGone:
			ferr = markGone(ctx, tx, ev.GroupID, "nhóm đã bị giải tán trên Zalo (sự kiện "+ev.Name+"); "+
				"tạo nhóm mới cho thôn/ấp, thêm OA vào rồi sửa mã nhóm ở trang Thôn/ấp")
		case GroupRevoked:
			ferr = markGone(ctx, tx, ev.GroupID, "OA bị thu hồi quyền quản lý nhóm (sự kiện "+ev.Name+"); "+
				"cấp lại quyền cho ứng dụng ở trang quản lý OA rồi kết nối lại Zalo")
		}
		if ferr != nil {
			return ferr
		}
		outcome := string(kind) + " recorded"
		if hamlet != "" {
			outcome += " for hamlet " + hamlet
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_events SET processed_at = ?, outcome = ? WHERE id = ?`,
			now, outcome, ev.ID)
		return err
	})
	return hamlet, err
}

// WebhookGroupByID returns what the group events said about a group;
// ErrNotFound when none came.
func (s *Store) WebhookGroupByID(ctx context.Context, groupID string) (*WebhookGroup, error) {
	g := WebhookGroup{GroupID: groupID}
	var gone, revoked, info, last sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT member_delta, joins, leaves, gone_at, gone_event, revoked_at,
		info_updated_at, last_event_at FROM webhook_groups WHERE group_id = ?`, groupID).
		Scan(&g.MemberDelta, &g.Joins, &g.Leaves, &gone, &g.GoneEvent, &revoked, &info, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("webhook facts of group %s: %w", groupID, err)
	}
	g.GoneAt, _ = parseTime(gone)
	g.RevokedAt, _ = parseTime(revoked)
	g.InfoUpdatedAt, _ = parseTime(info)
	g.LastEventAt, _ = parseTime(last)
	return &g, nil
}

// GroupOwner names the commune whose hamlet has Zalo group groupID, by
// code, and the OA recorded for that commune's token pair (the OAuth
// callback's or getoa's oa_id); each empty when not known.
func (s *Store) GroupOwner(ctx context.Context, groupID string) (commune, oaID string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT c.code, coalesce(t.oa_id, '') FROM hamlets h
		JOIN communes c ON c.id = h.commune_id LEFT JOIN zalo_tokens t ON t.commune_id = h.commune_id
		WHERE h.group_id = ? LIMIT 1`, groupID).Scan(&commune, &oaID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("commune of group %s: %w", groupID, err)
	}
	return commune, oaID, nil
}
