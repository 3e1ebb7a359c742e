package notices

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// A recurring notice's failed delivery is superseded when its hamlet
// already has a later occurrence of the same notice materialised (queued,
// sent, anything but skipped): retrying it would bring an old run to a
// group that has, or will have, a newer one. Retry leaves it alone; the
// status (HamletDeliveries.Last, Store.Tallies) reads the later run.

// notSupersededSQL is true for the deliveries row named deliveries that
// has no later materialised occurrence of its notice in its hamlet.
var notSupersededSQL = notSuperseded("deliveries")

// notSuperseded is notSupersededSQL for the deliveries row named alias.
func notSuperseded(alias string) string {
	return `NOT EXISTS (
	SELECT 1 FROM deliveries l
	JOIN occurrences lo ON lo.id = l.occurrence_id
	JOIN occurrences fo ON fo.id = ` + alias + `.occurrence_id
	WHERE l.notice_id = ` + alias + `.notice_id AND l.hamlet_id = ` + alias + `.hamlet_id
	  AND l.status <> 'skipped' AND lo.due_at > fo.due_at)`
}

// liveFailureSQL keeps, of the deliveries named d, all but the failed ones
// a later run replaced: the activity behind «Cần người xử lý».
var liveFailureSQL = `(d.status <> 'failed' OR ` + notSuperseded("d") + `)`

// supersededFailures says, in Vietnamese, why the failed deliveries of
// notice id (to hamletID, or to any hamlet when it is 0) are not retried
// because later runs replaced them; "" when none is.
func supersededFailures(ctx context.Context, tx *txn, id, hamletID int64, loc *time.Location) (string, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT h.name, fo.due_at, max(lo.due_at),
			(SELECT l2.status FROM deliveries l2 JOIN occurrences o2 ON o2.id = l2.occurrence_id
			 WHERE l2.notice_id = f.notice_id AND l2.hamlet_id = f.hamlet_id AND l2.status <> 'skipped'
			 ORDER BY o2.due_at DESC, l2.status = 'sent' DESC LIMIT 1)
		FROM deliveries f
		JOIN occurrences fo ON fo.id = f.occurrence_id
		JOIN hamlets h ON h.id = f.hamlet_id
		JOIN deliveries l ON l.notice_id = f.notice_id AND l.hamlet_id = f.hamlet_id AND l.status <> 'skipped'
		JOIN occurrences lo ON lo.id = l.occurrence_id AND lo.due_at > fo.due_at
		WHERE f.notice_id = ? AND f.status = 'failed' AND (? = 0 OR f.hamlet_id = ?)
		GROUP BY f.hamlet_id, fo.id
		ORDER BY h.code, fo.due_at`, id, hamletID, hamletID)
	if err != nil {
		return "", fmt.Errorf("superseded failures of notice %d: %w", id, err)
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var name, failedDue, laterDue string
		var laterState sql.NullString
		if err := rows.Scan(&name, &failedDue, &laterDue, &laterState); err != nil {
			return "", fmt.Errorf("superseded failures of notice %d: %w", id, err)
		}
		f, _ := parseTime(sql.NullString{String: failedDue, Valid: true})
		l, _ := parseTime(sql.NullString{String: laterDue, Valid: true})
		where := "đã đến nhóm"
		if st := DeliveryState(laterState.String); st != DeliverySent {
			where = st.Label()
		}
		parts = append(parts, fmt.Sprintf("%s: lượt %s đã được thay bằng lượt %s, %s",
			name, runTime(f, l, loc), runTime(l, f, loc), where))
	}
	if err := rows.Err(); err != nil || len(parts) == 0 {
		return "", err
	}
	return "Không gửi lại: " + strings.Join(parts, "; ") + ".", nil
}

// runTime is t as a run reads ("02:55"), with its date when other falls
// on another day ("23:55 30/11").
func runTime(t, other time.Time, loc *time.Location) string {
	t, other = t.In(loc), other.In(loc)
	if t.Format("2006-01-02") == other.Format("2006-01-02") {
		return t.Format("15:04")
	}
	return t.Format("15:04 02/01")
}
