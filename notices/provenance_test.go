package notices_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestRefersToMustBePublished: a correction or a withdrawal may only name
// a notice that was approved, through the store and through plain SQL.
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
	approved := mk("Đã duyệt", notices.StatusApproved)
	cancelledAfter := mk("Hủy sau khi duyệt", notices.StatusApproved)
	if _, err := s.CancelNotice(ctx, cancelledAfter.ID, "lan", ""); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, ref := range []*notices.Notice{pending, rejected, draft, neverApproved} {
		for _, kind := range []notices.Kind{notices.KindUpdate, notices.KindCancel} {
			n := notices.Notice{Title: "Đính chính", Body: "b", Kind: kind, RefersTo: ref.ID, Source: notices.SourceCLI}
			err := s.CreateNotice(ctx, &n)
			var fe notices.FieldErrors
			if !errors.As(err, &fe) || fe[0].Field != "refers_to" || !strings.Contains(fe[0].Msg, "chưa từng được duyệt") {
				t.Errorf("CreateNotice(%s of %q) = %v; want a refers_to error", kind, ref.Title, err)
			}
			_, err = db.Exec(`INSERT INTO notices (title, body, kind, refers_to, status) VALUES ('x', 'y', ?, ?, 'approved')`,
				kind, ref.ID)
			if err == nil || !strings.Contains(err.Error(), "never approved") {
				t.Errorf("SQL INSERT %s of %q = %v; want refused by the trigger", kind, ref.Title, err)
			}
		}
	}
	for _, ref := range []*notices.Notice{approved, cancelledAfter} {
		n := notices.Notice{Title: "Đính chính", Body: "b", Kind: notices.KindUpdate, RefersTo: ref.ID, Source: notices.SourceCLI}
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Errorf("CreateNotice(update of %q) = %v; want accepted", ref.Title, err)
		}
		if _, err := db.Exec(`INSERT INTO notices (title, body, kind, refers_to) VALUES ('x', 'y', 'update', ?)`, ref.ID); err != nil {
			t.Errorf("SQL INSERT update of %q = %v; want accepted", ref.Title, err)
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
