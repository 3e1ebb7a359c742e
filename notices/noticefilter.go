package notices

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// NoticeFilter selects notices for Notices and CountNotices. Zero fields
// select everything.
type NoticeFilter struct {
	Status  Status // one status
	Commune string // a commune's code: its own notices; Province: the province-wide ones
	// Reaches is a commune's code: its own notices and the province-wide
	// ones aimed at it (see Reaches).
	Reaches string
	Hamlet  string // hamlet code: notices for all hamlets or naming it
	// HamletCommune is the code of Hamlet's commune, with several
	// communes: the commune's own notices for all its hamlets or naming
	// it, and the province-wide ones aimed at all communes, at the commune
	// or at commune/hamlet.
	HamletCommune string
	Kind          Kind   // one kind
	Category      string // one category, in any of its forms (CategoryCode)
	Author        string // one author's user name
	// Text is looked for in the title or body, ignoring case and
	// diacritics (Fold): "bao" and "BÃO" find "bão", "cat dien" finds
	// "cắt điện". The folding is done in SQL, so that Limit and Offset
	// count matching notices.
	Text     string
	RefersTo int64     // corrections and withdrawals of this notice
	Since    time.Time // created at or after (inclusive)
	Until    time.Time // created before (exclusive)

	OldestFirst bool // the approval queue's order; default newest first
	Limit       int  // default 100
	Offset      int
}

// where is the filter as SQL: " WHERE ..." (or "") and its arguments.
func (f NoticeFilter) where() (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.Commune != "" {
		add(`commune = ?`, strings.ToLower(strings.TrimSpace(f.Commune)))
	}
	if f.Reaches != "" {
		code := strings.ToLower(strings.TrimSpace(f.Reaches))
		add(reachSQL("?"), code, code, code)
	}
	if h := strings.ToLower(strings.TrimSpace(f.Hamlet)); h != "" && f.HamletCommune != "" {
		c := strings.ToLower(strings.TrimSpace(f.HamletCommune))
		add(`((commune = ? AND (targets = 'all' OR ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ? || ',%'))
			OR (commune = '*' AND (targets = 'all'
				OR ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ? || ',%'
				OR ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ? || '/' || ? || ',%')))`, c, h, c, c, h)
	} else if h != "" {
		add(`(targets = 'all' OR ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ? || ',%')`, h)
	}
	if f.Kind != "" {
		add(`kind = ?`, f.Kind)
	}
	if c := CategoryCode(f.Category); c != "" {
		add(`loaxa_category(category) = ?`, c)
	}
	if a := strings.TrimSpace(f.Author); a != "" {
		add(`author = ?`, a)
	}
	if f.RefersTo != 0 {
		add(`refers_to = ?`, f.RefersTo)
	}
	if !f.Since.IsZero() {
		add(`created_at >= ?`, fmtTime(f.Since))
	}
	if !f.Until.IsZero() {
		add(`created_at < ?`, fmtTime(f.Until))
	}
	if t := Fold(nfcTrim(f.Text)); t != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(t)
		add(`(loaxa_fold(title) LIKE ? ESCAPE '\' OR loaxa_fold(body) LIKE ? ESCAPE '\')`, "%"+esc+"%", "%"+esc+"%")
	}
	if len(where) == 0 {
		return "", nil
	}
	return ` WHERE ` + strings.Join(where, " AND "), args
}

// CountNotices counts the notices f selects, whatever its Limit and Offset.
func (s *Store) CountNotices(ctx context.Context, f NoticeFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM notices`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count notices: %w", err)
	}
	return n, nil
}

// NoticeAuthors lists the user names that wrote notices, and
// NoticeCategories the categories in use, for the list's filters.
func (s *Store) NoticeAuthors(ctx context.Context) ([]string, error) {
	return s.distinct(ctx, `SELECT DISTINCT author FROM notices WHERE author <> '' ORDER BY author`)
}

// NoticeCategories lists the categories notices have, each once in its
// stored form (CategoryCode: "y tế" and "y-te" are one), sorted by name.
func (s *Store) NoticeCategories(ctx context.Context) ([]string, error) {
	raw, err := s.distinct(ctx, `SELECT DISTINCT category FROM notices ORDER BY category`)
	if err != nil {
		return nil, err
	}
	return mergeCategories(raw), nil
}

func (s *Store) distinct(ctx context.Context, q string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
