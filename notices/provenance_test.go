package notices_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// markSent records, as the daemon would, that notice id reached the
// first hamlet's group: an occurrence and a sent delivery.
func markSent(t testing.TB, db *sql.DB, id int64) {
	t.Helper()
	res, err := db.Exec(`INSERT INTO occurrences (notice_id, due_at) VALUES (?, '2026-11-27 01:00:00')`, id)
	if err != nil {
		t.Fatal(err)
	}
	occ, _ := res.LastInsertId()
	if _, err := db.Exec(`INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id, body, status, due_at,
		next_attempt_at, sent_at, message_id) SELECT ?, ?, id, group_id, 'x', 'sent', '2026-11-27 01:00:00',
		'2026-11-27 01:00:00', '2026-11-27 01:00:05', 'm' || ? FROM hamlets ORDER BY id LIMIT 1`, id, occ, id); err != nil {
		t.Fatal(err)
	}
}

// TestRefersToMustBePublished: a correction or a withdrawal may only name
// a notice that reached at least one group, through the store and through
// plain SQL; an approved notice due later is not yet one (issue 13).
func TestRefersToMustBePublished(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1")
	mk := func(title string, status notices.Status) *notices.Notice {
		n := &notices.Notice{Title: title, Body: "b", Source: notices.SourceCLI, Status: status, Author: "lan"}
		if err := s.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	pending := mk("Chưa duyệt", notices.StatusPending)
	rejected := mk("Bị từ chối", notices.StatusPending)
	if err := s.RejectNotice(ctx, rejected.ID, "duyet", "sai"); err != nil {
		t.Fatal(err)
	}
	draft := mk("Nháp", notices.StatusDraft)
	neverApproved := mk("Hủy khi còn chờ", notices.StatusPending)
	if _, err := s.CancelNotice(ctx, neverApproved.ID, "lan", ""); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	approved := mk("Đã duyệt, đã gửi", notices.StatusApproved)
	markSent(t, db, approved.ID)
	cancelledAfter := mk("Hủy sau khi gửi", notices.StatusApproved)
	markSent(t, db, cancelledAfter.ID)
	if _, err := s.CancelNotice(ctx, cancelledAfter.ID, "lan", ""); err != nil {
		t.Fatal(err)
	}
	later := mk("Đã duyệt, gửi năm sau", notices.StatusApproved)
	if _, err := db.Exec(`UPDATE notices SET publish_at = '2027-11-27 01:00:00' WHERE id = ?`, later.ID); err != nil {
		t.Fatal(err)
	}
	stoppedUnsent := mk("Dừng trước khi gửi", notices.StatusApproved)
	if _, err := s.CancelNotice(ctx, stoppedUnsent.ID, "lan", ""); err != nil {
		t.Fatal(err)
	}
	failed := mk("Gửi lỗi", notices.StatusApproved)
	markSent(t, db, failed.ID)
	if _, err := db.Exec(`UPDATE deliveries SET status = 'failed', sent_at = NULL, message_id = NULL, error_code = -403,
		error = 'OA không ở trong nhóm' WHERE notice_id = ?`, failed.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ref  *notices.Notice
		kind notices.Kind
		msg  string
	}{
		{pending, notices.KindUpdate, "chưa từng được duyệt"}, {pending, notices.KindCancel, "chưa từng được duyệt"},
		{rejected, notices.KindUpdate, "chưa từng được duyệt"}, {rejected, notices.KindCancel, "chưa từng được duyệt"},
		{draft, notices.KindUpdate, "chưa từng được duyệt"}, {draft, notices.KindCancel, "chưa từng được duyệt"},
		{neverApproved, notices.KindUpdate, "chưa từng được duyệt"}, {neverApproved, notices.KindCancel, "chưa từng được duyệt"},
		{later, notices.KindUpdate, "chưa được gửi tới nhóm nào, nên chưa thể đính chính"},
		{later, notices.KindCancel, "hãy dừng chính thông báo đó"},
		{failed, notices.KindUpdate, "chưa được gửi tới nhóm nào"},
		{stoppedUnsent, notices.KindUpdate, "đã dừng trước khi tới nhóm nào"},
		{stoppedUnsent, notices.KindCancel, "đã dừng trước khi tới nhóm nào"},
	} {
		n := notices.Notice{Title: "Đính chính", Body: "b", Kind: c.kind, RefersTo: c.ref.ID, Source: notices.SourceCLI}
		err := s.CreateNotice(ctx, &n)
		var fe notices.FieldErrors
		if !errors.As(err, &fe) || fe[0].Field != "refers_to" || !strings.Contains(fe[0].Msg, c.msg) {
			t.Errorf("CreateNotice(%s of %q) = %v; want a refers_to error saying %q", c.kind, c.ref.Title, err, c.msg)
		}
		_, err = db.Exec(`INSERT INTO notices (title, body, kind, refers_to, status) VALUES ('x', 'y', ?, ?, 'approved')`,
			c.kind, c.ref.ID)
		if err == nil || !strings.Contains(err.Error(), "no group has received yet") {
			t.Errorf("SQL INSERT %s of %q = %v; want refused by the trigger", c.kind, c.ref.Title, err)
		}
	}
	// A notice that does not exist keeps 0001's answer.
	n := notices.Notice{Title: "Đính chính", Body: "b", Kind: notices.KindUpdate, RefersTo: 9999, Source: notices.SourceCLI}
	if err := s.CreateNotice(ctx, &n); err == nil || !strings.Contains(err.Error(), "Không có thông báo số 9999") {
		t.Errorf("CreateNotice(update of 9999) = %v", err)
	}
	if _, err := db.Exec(`INSERT INTO notices (title, body, kind, refers_to) VALUES ('x', 'y', 'update', 9999)`); err == nil ||
		!strings.Contains(err.Error(), "names no existing notice") {
		t.Errorf("SQL INSERT update of 9999 = %v", err)
	}
	for _, ref := range []*notices.Notice{approved, cancelledAfter} {
		for _, kind := range []notices.Kind{notices.KindUpdate, notices.KindCancel} {
			n := notices.Notice{Title: "Đính chính", Body: "b", Kind: kind, RefersTo: ref.ID, Source: notices.SourceCLI}
			if err := s.CreateNotice(ctx, &n); err != nil {
				t.Errorf("CreateNotice(%s of %q) = %v; want accepted", kind, ref.Title, err)
			}
			if _, err := db.Exec(`INSERT INTO notices (title, body, kind, refers_to) VALUES ('x', 'y', ?, ?)`, kind, ref.ID); err != nil {
				t.Errorf("SQL INSERT %s of %q = %v; want accepted", kind, ref.Title, err)
			}
		}
	}
}

// TestSQLInsertProvenance: a row inserted by another program is recorded
// as source 'sql' whatever it claims, with an audit entry naming the
// claimed author as not verified; loaxa's own rows keep their source and
// get no such entry.
func TestSQLInsertProvenance(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1")
	db := rawDB(t, path)
	res, err := db.Exec(`INSERT INTO notices (title, body, source, author, status) VALUES ('Giả', 'b', 'web', 'quantri', 'approved')`)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := res.LastInsertId()
	n, err := s.Notice(ctx, forged)
	if err != nil || n.Source != notices.SourceSQL || n.Author != "quantri" {
		t.Fatalf("forged row: %+v, %v; want source sql, author kept as given", n, err)
	}
	es, err := s.Audit(ctx, notices.AuditFilter{NoticeID: forged})
	if err != nil || len(es) != 1 || es[0].Actor != "sql" || !strings.Contains(es[0].Detail, "«web»") ||
		!strings.Contains(es[0].Detail, "tác giả «quantri» (chưa xác minh)") {
		t.Fatalf("audit of the forged row = %+v, %v; want one entry by sql naming the claim", es, err)
	}
	res, err = db.Exec(`INSERT INTO notices (title, body) VALUES ('Thật', 'b')`)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := res.LastInsertId()
	if es, _ := s.Audit(ctx, notices.AuditFilter{NoticeID: plain}); len(es) != 1 || es[0].Actor != "sql" || es[0].Detail != "pending" {
		t.Errorf("audit of a plain SQL insert = %+v; want one entry by sql, detail pending", es)
	}
	own := notices.Notice{Title: "Của site", Body: "b", Source: notices.SourceWeb, Author: "lan"}
	if err := s.CreateNotice(ctx, &own); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notice(ctx, own.ID); got.Source != notices.SourceWeb {
		t.Errorf("loaxa's own row: source %q; want web", got.Source)
	}
	es, _ = s.Audit(ctx, notices.AuditFilter{NoticeID: own.ID})
	if len(es) != 1 || es[0].Actor != "lan" {
		t.Errorf("audit of loaxa's own row = %+v; want one entry by lan", es)
	}
	var marks int
	if err := db.QueryRow(`SELECT count(*) FROM site_writes`).Scan(&marks); err != nil || marks != 0 {
		t.Errorf("site_writes holds %d rows (%v); want none committed", marks, err)
	}
}
