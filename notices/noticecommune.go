package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// communeLabel names a notice's commune for staff.
func communeLabel(code string) string {
	if code == Province {
		return "cả tỉnh"
	}
	return "xã " + code
}

// noticeCommune settles n.Commune (empty: the only commune) and
// n.CommuneID in tx. A commune that cannot be used is a FieldErrors on
// "commune".
func noticeCommune(ctx context.Context, tx *txn, n *Notice) (FieldErrors, error) {
	var es FieldErrors
	if n.Commune == Province {
		n.CommuneID = 0
		return nil, nil
	}
	c, err := resolveCommune(ctx, tx, n.Commune)
	var req *CommuneRequiredError
	var fes FieldErrors
	switch {
	case errors.As(err, &req):
		es.add("commune", "Có %d xã (%s); hãy chọn xã của thông báo, hoặc gửi cả tỉnh.", len(req.Codes), strings.Join(req.Codes, ", "))
		return es, nil
	case errors.As(err, &fes):
		return fes, nil
	case err != nil:
		return nil, err
	}
	if !c.Active && n.Kind == KindNotice {
		es.add("commune", "Xã %s đang tắt nên không nhận thông báo mới; hãy bật lại xã trước (loaxa commune enable %s).", c.Code, c.Code)
	}
	n.Commune, n.CommuneID = c.Code, c.ID
	return es, nil
}

// checkTargets checks n.Targets against the hamlets of n's commune (or,
// province-wide, the communes and their hamlets), and that an 'all'
// notice has an active hamlet to go to.
func checkTargets(ctx context.Context, tx *txn, n *Notice) (FieldErrors, error) {
	var es FieldErrors
	var unknown []string
	for _, t := range n.Targets {
		var q string
		var args []any
		commune, hamlet, qualified := strings.Cut(t, "/")
		switch {
		case n.Commune != Province:
			q, args = `SELECT 1 FROM hamlets WHERE commune_id = ? AND code = ?`, []any{n.CommuneID, t}
		case qualified:
			q, args = `SELECT 1 FROM hamlets h JOIN communes c ON c.id = h.commune_id WHERE c.code = ? AND h.code = ?`,
				[]any{commune, hamlet}
		default:
			q, args = `SELECT 1 FROM communes WHERE code = ?`, []any{t}
		}
		var x int
		err := tx.QueryRowContext(ctx, q, args...).Scan(&x)
		if errors.Is(err, sql.ErrNoRows) {
			unknown = append(unknown, t)
		} else if err != nil {
			return nil, fmt.Errorf("check target %s: %w", t, err)
		}
	}
	switch {
	case len(unknown) > 0 && n.Commune == Province:
		es.add("targets", "Không có xã hoặc thôn/ấp nào mang mã %s; thông báo toàn tỉnh nhắm tới mã xã (loaxa commune list) "+
			"hoặc xã/thôn, ví dụ xa-an-phu/ap-1.", quoteList(unknown))
	case len(unknown) > 0:
		es.add("targets", "Không có thôn/ấp nào mang mã %s; hãy chọn mã trong danh sách thôn/ấp.", quoteList(unknown))
	}
	switch {
	case len(unknown) > 0:
	case len(n.Targets) == 0 && n.Commune != Province:
		var active int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM hamlets WHERE active = 1 AND commune_id = ?`,
			n.CommuneID).Scan(&active); err != nil {
			return nil, fmt.Errorf("count hamlets: %w", err)
		}
		if active == 0 {
			es.add("targets", "Chưa có thôn/ấp nào đang hoạt động để gửi tới; hãy thêm thôn/ấp trước.")
		}
	default:
		ts, err := noticeTargets(ctx, tx, n)
		if err != nil {
			return nil, err
		}
		if len(ts) == 0 {
			msg, err := noReach(ctx, tx, n)
			if err != nil {
				return nil, err
			}
			es.add("targets", "%s", msg)
		}
	}
	return es, nil
}

// NoticeTargets resolves the hamlet groups notice n goes to now: the
// active hamlets of its commune (all, or those named), or, province-wide,
// of the active communes (all; the communes named; the hamlets named as
// commune/hamlet). A hamlet named twice is one target. Ordered by hamlet.
func (s *Store) NoticeTargets(ctx context.Context, n *Notice) ([]Target, error) {
	return noticeTargets(ctx, s.db, n)
}

// noticeTargets is NoticeTargets read through q: the store, or the
// transaction that checks a notice before it is written (checkTargets).
func noticeTargets(ctx context.Context, q querier, n *Notice) ([]Target, error) {
	const cols = `SELECT h.id, h.group_id, h.commune_id, h.code, c.code FROM hamlets h JOIN communes c ON c.id = h.commune_id
		WHERE h.active = 1 AND c.active = 1`
	query, args := cols+` AND h.commune_id = ?`, []any{n.CommuneID}
	if n.Commune == Province {
		query, args = cols, nil
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY h.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("resolve targets of notice %d: %w", n.ID, err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, t := range n.Targets {
		want[t] = true
	}
	var ts []Target
	for rows.Next() {
		var t Target
		var code, commune string
		if err := rows.Scan(&t.HamletID, &t.GroupID, &t.CommuneID, &code, &commune); err != nil {
			return nil, fmt.Errorf("resolve targets of notice %d: %w", n.ID, err)
		}
		switch {
		case len(want) == 0:
		case n.Commune == Province && (want[commune] || want[commune+"/"+code]):
		case n.Commune != Province && want[code]:
		default:
			continue
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// noReach says why notice n, whose targets all exist, reaches no active
// hamlet, and what to do: the communes named are disabled, or have no
// active hamlet; the hamlets named are disabled.
func noReach(ctx context.Context, q querier, n *Notice) (string, error) {
	if n.Commune != Province {
		var active bool
		if err := q.QueryRowContext(ctx, `SELECT active FROM communes WHERE id = ?`, n.CommuneID).Scan(&active); err != nil {
			return "", fmt.Errorf("get commune %s: %w", n.Commune, err)
		}
		if !active {
			return fmt.Sprintf("Xã %s đang tắt nên thông báo không tới được thôn/ấp nào; hãy bật lại xã trước (loaxa commune enable %s).",
				n.Commune, n.Commune), nil
		}
		return fmt.Sprintf("Các thôn/ấp đã chọn (%s) đều đang tắt nên thông báo không tới được ai; hãy chọn thôn/ấp đang hoạt động.",
			quoteList(n.Targets)), nil
	}
	if len(n.Targets) == 0 {
		return "Chưa có thôn/ấp nào đang hoạt động trong các xã đang bật để gửi tới; hãy thêm thôn/ấp hoặc bật lại xã trước.", nil
	}
	// A disabled commune is named by its name and code, with the hamlets
	// of it the notice names ("commune/hamlet"), which are hamlets, not communes.
	var empty, offCodes []string
	offName := map[string]string{}
	offHamlets := map[string][]string{}
	for _, t := range n.Targets {
		commune, _, hamlet := strings.Cut(t, "/")
		var active bool
		var name string
		if err := q.QueryRowContext(ctx, `SELECT active, name FROM communes WHERE code = ?`, commune).Scan(&active, &name); err != nil {
			return "", fmt.Errorf("get commune %s: %w", commune, err)
		}
		switch {
		case active:
			empty = append(empty, t)
			continue
		case offName[commune] == "":
			offName[commune] = name
			offCodes = append(offCodes, commune)
		}
		if hamlet {
			offHamlets[commune] = append(offHamlets[commune], t)
		}
	}
	var why []string
	for _, c := range offCodes {
		w := fmt.Sprintf("%s (%s) đang tắt", offName[c], c)
		if hs := offHamlets[c]; len(hs) > 0 {
			w += " (thôn/ấp đã chọn của nó: " + quoteList(hs) + ")"
		}
		why = append(why, w)
	}
	if len(empty) > 0 {
		why = append(why, "không có thôn/ấp nào đang hoạt động: "+quoteList(empty))
	}
	enable := "MÃ"
	if len(offCodes) > 0 {
		enable = strings.Join(offCodes, ", loaxa commune enable ")
	}
	return fmt.Sprintf("Thông báo cấp tỉnh này không tới được thôn/ấp nào đang hoạt động (%s); hãy chọn xã hoặc thôn/ấp khác, "+
		"bật lại xã (loaxa commune enable %s) hoặc thêm thôn/ấp cho xã trước.", strings.Join(why, "; "), enable), nil
}
