package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTemplateName is the longest template name the schema keeps.
const MaxTemplateName = 80

// Template is a routine notice's text, chosen at compose
// (0014_staff_workflows.sql seeds cắt điện, họp dân, tiêm chủng and thu gom
// rác). Admins manage them.
type Template struct {
	ID       int64
	Name     string
	Title    string
	Body     string
	Category string
	Priority Priority
}

// Validate normalises t and checks it as a notice's text is checked.
func (t *Template) Validate() error {
	t.Name = nfcTrim(t.Name)
	n := Notice{Title: t.Title, Body: t.Body, Category: t.Category, Priority: t.Priority,
		Kind: KindNotice, Status: StatusDraft, Source: SourceWeb}
	var es FieldErrors
	switch l := utf8.RuneCountInString(t.Name); {
	case l == 0:
		es.add("name", "Tên mẫu không được để trống; ví dụ «Cắt điện».")
	case l > MaxTemplateName:
		es.add("name", "Tên mẫu dài %d ký tự, quá giới hạn %d; hãy rút gọn.", l, MaxTemplateName)
	case strings.IndexByte(t.Name, 0) >= 0:
		es.add("name", "Tên mẫu có ký tự NUL (mã 0); hãy gõ lại.")
	}
	var ne FieldErrors
	if err := n.Validate(time.Time{}, time.UTC); errors.As(err, &ne) {
		es = append(es, ne...)
	}
	t.Title, t.Body, t.Category, t.Priority = n.Title, n.Body, n.Category, n.Priority
	return es.Err()
}

// Templates lists the templates by name.
func (s *Store) Templates(ctx context.Context) ([]Template, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, title, body, category, priority FROM templates ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	var ts []Template
	for rows.Next() {
		var t Template
		if err := rows.Scan(&t.ID, &t.Name, &t.Title, &t.Body, &t.Category, &t.Priority); err != nil {
			return nil, fmt.Errorf("list templates: %w", err)
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// TemplateByID returns template id, or ErrNotFound.
func (s *Store) TemplateByID(ctx context.Context, id int64) (*Template, error) {
	var t Template
	err := s.db.QueryRowContext(ctx, `SELECT id, name, title, body, category, priority FROM templates WHERE id = ?`, id).
		Scan(&t.ID, &t.Name, &t.Title, &t.Body, &t.Category, &t.Priority)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get template %d: %w", id, err)
	}
	return &t, nil
}

// SaveTemplate creates t (ID 0) or rewrites template t.ID, by actor.
func (s *Store) SaveTemplate(ctx context.Context, t *Template, actor string) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		var other int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM templates WHERE name = ? AND id <> ?`, t.Name, t.ID).Scan(&other)
		if err == nil {
			return fieldErr("name", "Đã có mẫu tên «%s»; hãy đặt tên khác.", t.Name)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check template name: %w", err)
		}
		now := fmtTime(tx.Now)
		action := "template.edit"
		if t.ID == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO templates (name, title, body, category, priority, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, t.Name, t.Title, t.Body, t.Category, t.Priority, now, now)
			if err != nil {
				return fmt.Errorf("insert template: %w", err)
			}
			t.ID, _ = res.LastInsertId()
			action = "template.add"
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE templates SET name = ?, title = ?, body = ?, category = ?, priority = ?,
				updated_at = ? WHERE id = ?`, t.Name, t.Title, t.Body, t.Category, t.Priority, now, t.ID)
			if err != nil {
				return fmt.Errorf("update template %d: %w", t.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
		}
		return tx.audit(ctx, actor, action, 0, 0, t.Name)
	})
}

// DeleteTemplate deletes template id, by actor. Notices made from it keep
// their text.
func (s *Store) DeleteTemplate(ctx context.Context, id int64, actor string) error {
	return s.update(ctx, func(tx *txn) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT name FROM templates WHERE id = ?`, id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get template %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM templates WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete template %d: %w", id, err)
		}
		return tx.audit(ctx, actor, "template.delete", 0, 0, name)
	})
}
