package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// GroupFacts is what Zalo last said of a group (GET /v3.0/oa/group/getgroup,
// zalo-oa-api.md §3 and §12), kept per group id in group_facts. Checks are
// made when a hamlet is added, imported or synced, daily, and when a notice
// is sent to the group; the webhook keeps the member count current between
// checks and marks a disbanded group (UpdateGroupFacts, AdjustGroupMembers,
// MarkGroupGone).
type GroupFacts struct {
	GroupID     string
	Name        string
	HasMembers  bool // TotalMember and MaxMember are known
	TotalMember int
	MaxMember   int    // the package's ceiling
	Status      string // Zalo's: "enabled" or "disabled"; "" not known
	LockSendMsg bool   // only admins (the OA) may post
	AssetID     string // the GMF package
	// ValidThrough is when the package ends: the start of its last valid
	// day, or the instant Zalo gave (bot.ParseValidThrough); zero: not known.
	ValidThrough time.Time
	AutoRenew    bool

	CheckedAt  time.Time // the last check Zalo answered; zero: never ("chưa kiểm tra")
	TriedAt    time.Time // the last check tried
	CheckError string    // why the last try got no answer; "" when it did
	GoneAt     time.Time // when the OA was found out of the group, or it was disbanded
	GoneReason string    // why, in Vietnamese
	UpdatedAt  time.Time
}

// Checked reports whether Zalo has ever answered a check of the group.
func (f GroupFacts) Checked() bool { return !f.CheckedAt.IsZero() }

// Full reports whether the group has reached its package's ceiling: new
// residents cannot join.
func (f GroupFacts) Full() bool {
	return f.HasMembers && f.MaxMember > 0 && f.TotalMember >= f.MaxMember
}

// LastDay is the package's last valid day in loc (midnight), or zero.
func (f GroupFacts) LastDay(loc *time.Location) time.Time {
	if f.ValidThrough.IsZero() {
		return time.Time{}
	}
	d := f.ValidThrough.In(loc)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// DaysLeft is how many days of the package are left after today (0: it
// ends today; negative: it has ended), in loc; ok is false when the end is
// not known.
func (f GroupFacts) DaysLeft(now time.Time, loc *time.Location) (days int, ok bool) {
	last := f.LastDay(loc)
	if last.IsZero() {
		return 0, false
	}
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	// Calendar days; both are midnights in loc, so rounding absorbs a
	// zone's 23- or 25-hour day.
	return int(last.Sub(today).Round(24*time.Hour) / (24 * time.Hour)), true
}

const groupFactsColumns = `group_id, name, total_member, max_member, status, lock_send_msg, asset_id,
	valid_through, auto_renew, checked_at, tried_at, check_error, gone_at, gone_reason, updated_at`

func scanGroupFacts(sc interface{ Scan(...any) error }) (GroupFacts, error) {
	var f GroupFacts
	var total, maxm sql.NullInt64
	var valid, checked, tried, gone, updated sql.NullString
	if err := sc.Scan(&f.GroupID, &f.Name, &total, &maxm, &f.Status, &f.LockSendMsg, &f.AssetID,
		&valid, &f.AutoRenew, &checked, &tried, &f.CheckError, &gone, &f.GoneReason, &updated); err != nil {
		return f, err
	}
	f.HasMembers = total.Valid
	f.TotalMember, f.MaxMember = int(total.Int64), int(maxm.Int64)
	// Times only shown or compared: an unreadable one reads as zero.
	f.ValidThrough, _ = parseTime(valid)
	f.CheckedAt, _ = parseTime(checked)
	f.TriedAt, _ = parseTime(tried)
	f.GoneAt, _ = parseTime(gone)
	f.UpdatedAt, _ = parseTime(updated)
	return f, nil
}

// upsertFacts writes a check's outcome for groupID in tx: f's facts when
// f.Checked(), else only the failed try (f.CheckError) over what is known.
func upsertFacts(ctx context.Context, tx *txn, groupID string, f GroupFacts) error {
	now := fmtTime(tx.Now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO group_facts (group_id, updated_at) VALUES (?, ?)
		ON CONFLICT (group_id) DO NOTHING`, groupID, now); err != nil {
		return fmt.Errorf("group facts of %s: %w", groupID, err)
	}
	tried := f.TriedAt
	if tried.IsZero() {
		tried = tx.Now
	}
	var err error
	if !f.Checked() {
		_, err = tx.ExecContext(ctx, `UPDATE group_facts SET tried_at = ?, check_error = ?, updated_at = ?
			WHERE group_id = ?`, fmtTime(tried), f.CheckError, now, groupID)
	} else {
		var total, maxm any
		if f.HasMembers {
			total, maxm = f.TotalMember, f.MaxMember
		}
		// Zalo answered for the group, so the OA is in it: gone is cleared.
		_, err = tx.ExecContext(ctx, `UPDATE group_facts SET name = ?, total_member = ?, max_member = ?, status = ?,
			lock_send_msg = ?, asset_id = ?, valid_through = ?, auto_renew = ?, checked_at = ?, tried_at = ?,
			check_error = '', gone_at = NULL, gone_reason = '', updated_at = ? WHERE group_id = ?`,
			f.Name, total, maxm, f.Status, f.LockSendMsg, f.AssetID, fmtTime(f.ValidThrough), f.AutoRenew,
			fmtTime(f.CheckedAt), fmtTime(tried), now, groupID)
	}
	if err != nil {
		return fmt.Errorf("group facts of %s: %w", groupID, err)
	}
	return nil
}

// UpdateGroupFacts records what Zalo said of groupID: a full check when
// f.CheckedAt is set (it replaces every fact and clears a "gone" mark, since
// Zalo answered for the group), or else a check that got no answer, with
// f.CheckError saying why (the facts known are kept). The daily refresh,
// the checks on add and at sends, and the webhook's update_group_info use
// it.
func (s *Store) UpdateGroupFacts(ctx context.Context, groupID string, f GroupFacts) error {
	return s.commit(ctx, func(tx *txn) error { return upsertFacts(ctx, tx, groupID, f) })
}

// AdjustGroupMembers adds delta (negative for a leave) to groupID's known
// member count, never below zero; a group whose count is not known is left
// alone (the next check reads it). For the webhook's user_join_group and
// user_leave_group / user_out_group.
func (s *Store) AdjustGroupMembers(ctx context.Context, groupID string, delta int) error {
	return s.commit(ctx, func(tx *txn) error { return adjustMembers(ctx, tx, groupID, delta) })
}

func adjustMembers(ctx context.Context, tx *txn, groupID string, delta int) error {
	_, err := tx.ExecContext(ctx, `UPDATE group_facts SET total_member = max(total_member + ?, 0), updated_at = ?
		WHERE group_id = ? AND total_member IS NOT NULL`, delta, fmtTime(tx.Now), groupID)
	if err != nil {
		return fmt.Errorf("members of group %s: %w", groupID, err)
	}
	return nil
}

// MarkGroupGone records that the OA can no longer reach groupID: it is
// not in the group (-403), the group was disbanded (disperse_group,
// delete_group) or the permission was revoked. reason, in Vietnamese, is
// shown with the alarm until a check finds the group again. For the
// webhook and for sends refused with -403.
func (s *Store) MarkGroupGone(ctx context.Context, groupID, reason string) error {
	return s.commit(ctx, func(tx *txn) error { return markGone(ctx, tx, groupID, reason) })
}

func markGone(ctx context.Context, tx *txn, groupID, reason string) error {
	now := fmtTime(tx.Now)
	_, err := tx.ExecContext(ctx, `INSERT INTO group_facts (group_id, gone_at, gone_reason, updated_at)
		VALUES (?1, ?2, ?3, ?2) ON CONFLICT (group_id) DO UPDATE SET
		gone_at = coalesce(gone_at, ?2), gone_reason = ?3, updated_at = ?2`, groupID, now, reason)
	if err != nil {
		return fmt.Errorf("mark group %s gone: %w", groupID, err)
	}
	return nil
}

// MarkGroupDisabled records that Zalo refused a send to groupID because the
// group is disabled (-237: its GMF package expired) or its package cannot
// be used (-238, -241), until a check finds it enabled again.
func (s *Store) MarkGroupDisabled(ctx context.Context, groupID string) error {
	return s.commit(ctx, func(tx *txn) error {
		now := fmtTime(tx.Now)
		_, err := tx.ExecContext(ctx, `INSERT INTO group_facts (group_id, status, updated_at) VALUES (?1, 'disabled', ?2)
			ON CONFLICT (group_id) DO UPDATE SET status = 'disabled', updated_at = ?2`, groupID, now)
		if err != nil {
			return fmt.Errorf("mark group %s disabled: %w", groupID, err)
		}
		return nil
	})
}

// AllGroupFacts returns the facts of every group known, by group id.
func (s *Store) AllGroupFacts(ctx context.Context) (map[string]GroupFacts, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+groupFactsColumns+` FROM group_facts`)
	if err != nil {
		return nil, fmt.Errorf("group facts: %w", err)
	}
	defer rows.Close()
	out := map[string]GroupFacts{}
	for rows.Next() {
		f, err := scanGroupFacts(rows)
		if err != nil {
			return nil, fmt.Errorf("group facts: %w", err)
		}
		out[f.GroupID] = f
	}
	return out, rows.Err()
}

// GroupFactsOf returns groupID's facts; ok is false when none are known.
func (s *Store) GroupFactsOf(ctx context.Context, groupID string) (GroupFacts, bool, error) {
	f, err := scanGroupFacts(s.db.QueryRowContext(ctx, `SELECT `+groupFactsColumns+` FROM group_facts WHERE group_id = ?`, groupID))
	switch {
	case err == sql.ErrNoRows:
		return GroupFacts{}, false, nil
	case err != nil:
		return GroupFacts{}, false, fmt.Errorf("group facts of %s: %w", groupID, err)
	}
	return f, true, nil
}

// GroupsToCheck returns the groups of active hamlets never checked, or
// last tried before daily, or whose last try got no answer and was before
// retry; at most limit of them, the longest unchecked first.
func (s *Store) GroupsToCheck(ctx context.Context, daily, retry time.Time, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT h.group_id FROM hamlets h LEFT JOIN group_facts f ON f.group_id = h.group_id
		WHERE h.active = 1 AND (f.tried_at IS NULL OR f.tried_at < ?1
		      OR ((f.checked_at IS NULL OR f.check_error <> '') AND f.tried_at < ?2))
		GROUP BY h.group_id ORDER BY coalesce(max(f.tried_at), '') LIMIT ?3`, fmtTime(daily), fmtTime(retry), limit)
	if err != nil {
		return nil, fmt.Errorf("groups to check: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GroupsReached records that Zalo just took a message for each group of
// ids: the OA is in those groups, so a "gone" mark among them is cleared
// (its alarm was about sends that now work). It returns those of ids whose
// facts are not known good — gone until now, never checked, or whose last
// check got no answer (made, say, before the commune was connected) — for
// the caller to check with Zalo now rather than in half an hour. Nothing
// is written when no group of ids was gone.
func (s *Store) GroupsReached(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT j.value, f.gone_at IS NOT NULL FROM json_each(?) j
		LEFT JOIN group_facts f ON f.group_id = j.value
		WHERE f.group_id IS NULL OR f.gone_at IS NOT NULL OR f.checked_at IS NULL OR f.check_error <> ''`, string(list))
	if err != nil {
		return nil, fmt.Errorf("groups reached: %w", err)
	}
	defer rows.Close()
	var out, gone []string
	for rows.Next() {
		var g string
		var wasGone bool
		if err := rows.Scan(&g, &wasGone); err != nil {
			return nil, fmt.Errorf("groups reached: %w", err)
		}
		out = append(out, g)
		if wasGone {
			gone = append(gone, g)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("groups reached: %w", err)
	}
	rows.Close()
	if len(gone) == 0 {
		return out, nil
	}
	list, _ = json.Marshal(gone)
	return out, s.commit(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE group_facts SET gone_at = NULL, gone_reason = '', updated_at = ?
			WHERE group_id IN (SELECT value FROM json_each(?)) AND gone_at IS NOT NULL`, fmtTime(tx.Now), string(list)); err != nil {
			return fmt.Errorf("clear gone groups: %w", err)
		}
		return nil
	})
}
