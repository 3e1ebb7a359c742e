package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Province is the commune of a province-wide notice or account: it belongs
// to no commune (commune_id NULL). Other programs write it as '*' in
// notices.commune (docs/schema.md).
const Province = "*"

// MaxCommuneName is the longest footer name a commune may have.
const MaxCommuneName = 100

// Commune is one commune or ward of the province, with its own hamlets,
// staff and Official Account.
type Commune struct {
	ID         int64
	Code       string // short unique handle, e.g. xa-an-phu; other programs write it (RenameCommune)
	Name       string // signs its messages, e.g. "UBND xã An Phú"
	Active     bool   // an inactive commune's hamlets receive nothing
	RatePerMin int    // its OA package's limit, requests per minute; 0: only the app's
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CommuneRequiredError says that a commune must be chosen: the database
// serves several. Codes lists them.
type CommuneRequiredError struct{ Codes []string }

func (e *CommuneRequiredError) Error() string {
	return fmt.Sprintf("cơ sở dữ liệu này phục vụ %d xã (%s); hãy chọn một xã", len(e.Codes), strings.Join(e.Codes, ", "))
}

// CommuneCodeFromName makes a commune code from its footer name: "UBND xã
// An Phú" → xa-an-phu. It is "xa" when the name gives nothing.
func CommuneCodeFromName(name string) string {
	name = nfcTrim(name)
	if len(name) > 5 && strings.EqualFold(name[:5], "UBND ") {
		name = name[5:]
	}
	code := Slug(name)
	if len(code) > MaxCode {
		code = strings.TrimRight(code[:MaxCode], "-")
	}
	if code == "" {
		code = "xa"
	}
	return code
}

// communeStep names the commune migration 0013 made from LOAXA_COMMUNE
// (Options.Commune): its footer name, and a code made from it.
func communeStep(ctx context.Context, s *Store, tx *txn) error {
	name := nfcTrim(s.commune)
	if name == "" || utf8.RuneCountInString(name) > MaxCommuneName || strings.IndexByte(name, 0) >= 0 {
		name = "UBND xã"
	}
	code := CommuneCodeFromName(name)
	if _, err := tx.ExecContext(ctx, `UPDATE communes SET code = ?, name = ?, created_at = ?, updated_at = ? WHERE id = 1`,
		code, name, fmtTime(tx.Now), fmtTime(tx.Now)); err != nil {
		return fmt.Errorf("name commune 1: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notices SET commune = ? WHERE commune_id = 1`, code); err != nil {
		return fmt.Errorf("name the commune of notices: %w", err)
	}
	return nil
}

// normalize cleans the commune's fields.
func (c *Commune) normalize() {
	c.Code = strings.ToLower(strings.TrimSpace(c.Code))
	c.Name = nfcTrim(c.Name)
}

// Validate checks the commune's fields (the store checks that the code is
// free), after normalising them.
func (c *Commune) Validate() error {
	c.normalize()
	var es FieldErrors
	switch {
	case c.Code == "":
		es.add("code", "Mã xã không được để trống; hãy đặt mã chữ thường không dấu, ví dụ \"xa-an-phu\".")
	case !validCode(c.Code):
		es.add("code", "Mã xã %q không hợp lệ; mã chỉ gồm chữ thường không dấu, số và dấu '-', tối đa %d ký tự.", c.Code, MaxCode)
	}
	switch l := utf8.RuneCountInString(c.Name); {
	case l == 0:
		es.add("name", "Tên xã không được để trống; đây là tên ký cuối mỗi tin, ví dụ \"UBND xã An Phú\".")
	case l > MaxCommuneName:
		es.add("name", "Tên xã dài %d ký tự, quá giới hạn %d; hãy rút gọn.", l, MaxCommuneName)
	case strings.IndexByte(c.Name, 0) >= 0:
		es.add("name", "Tên xã có ký tự NUL (mã 0); hãy gõ lại tên.")
	}
	if c.RatePerMin < 0 {
		es.add("rate_per_min", "Giới hạn mỗi phút của OA phải là số dương (hoặc 0: không giới hạn riêng).")
	}
	return es.Err()
}

const communeColumns = `id, code, name, active, coalesce(rate_per_min, 0), created_at, updated_at`

func scanCommune(sc interface{ Scan(...any) error }) (Commune, error) {
	var c Commune
	var created, updated sql.NullString
	if err := sc.Scan(&c.ID, &c.Code, &c.Name, &c.Active, &c.RatePerMin, &created, &updated); err != nil {
		return c, err
	}
	c.CreatedAt, _ = parseTime(created)
	c.UpdatedAt, _ = parseTime(updated)
	return c, nil
}

// querier is a *sql.DB or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func listCommunes(ctx context.Context, q querier) ([]Commune, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+communeColumns+` FROM communes ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list communes: %w", err)
	}
	defer rows.Close()
	var cs []Commune
	for rows.Next() {
		c, err := scanCommune(rows)
		if err != nil {
			return nil, fmt.Errorf("list communes: %w", err)
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// Communes lists every commune, active or not, by code.
func (s *Store) Communes(ctx context.Context) ([]Commune, error) { return listCommunes(ctx, s.db) }

// CommuneByCode returns the commune with code, or ErrNotFound.
func (s *Store) CommuneByCode(ctx context.Context, code string) (*Commune, error) {
	return communeWhere(ctx, s.db, `code = ?`, strings.ToLower(strings.TrimSpace(code)))
}

// CommuneByID returns the commune with id, or ErrNotFound.
func (s *Store) CommuneByID(ctx context.Context, id int64) (*Commune, error) {
	return communeWhere(ctx, s.db, `id = ?`, id)
}

func communeWhere(ctx context.Context, q querier, where string, arg any) (*Commune, error) {
	c, err := scanCommune(q.QueryRowContext(ctx, `SELECT `+communeColumns+` FROM communes WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get commune %v: %w", arg, err)
	}
	return &c, nil
}

// ResolveCommune returns the commune code names; an empty code is the only
// commune, or a *CommuneRequiredError when there are several. An unknown
// code is a FieldErrors on "commune" that lists the codes there are.
func (s *Store) ResolveCommune(ctx context.Context, code string) (*Commune, error) {
	return resolveCommune(ctx, s.db, code)
}

func resolveCommune(ctx context.Context, q querier, code string) (*Commune, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	if code != "" {
		c, err := communeWhere(ctx, q, `code = ?`, code)
		if errors.Is(err, ErrNotFound) {
			cs, lerr := listCommunes(ctx, q)
			if lerr != nil {
				return nil, lerr
			}
			return nil, fieldErr("commune", "Không có xã mang mã %q; các xã hiện có: %s.", code, communeCodes(cs))
		}
		return c, err
	}
	cs, err := listCommunes(ctx, q)
	if err != nil {
		return nil, err
	}
	switch len(cs) {
	case 1:
		return &cs[0], nil
	case 0:
		return nil, errors.New("cơ sở dữ liệu chưa có xã nào; hãy thêm bằng loaxa commune add")
	}
	codes := make([]string, len(cs))
	for i, c := range cs {
		codes[i] = c.Code
	}
	return nil, &CommuneRequiredError{Codes: codes}
}

func communeCodes(cs []Commune) string {
	codes := make([]string, len(cs))
	for i, c := range cs {
		codes[i] = c.Code
	}
	return strings.Join(codes, ", ")
}

func nullRate(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

// CreateCommune adds an active commune. A code already in use is a
// FieldErrors.
func (s *Store) CreateCommune(ctx context.Context, actor string, c *Commune) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		if _, err := communeWhere(ctx, tx, `code = ?`, c.Code); err == nil {
			return fieldErr("code", "Mã xã %q đã có; hãy đặt mã khác.", c.Code)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO communes (code, name, active, rate_per_min, created_at, updated_at)
			VALUES (?, ?, 1, ?, ?, ?)`, c.Code, c.Name, nullRate(c.RatePerMin), fmtTime(tx.Now), fmtTime(tx.Now))
		if err != nil {
			return fmt.Errorf("insert commune %s: %w", c.Code, err)
		}
		c.ID, _ = res.LastInsertId()
		c.Active, c.CreatedAt, c.UpdatedAt = true, tx.Now, tx.Now
		return tx.auditIn(ctx, c.ID, actor, "commune.add", 0, 0, c.Code+" "+c.Name)
	})
}

// UpdateCommune changes the name and the OA rate limit of the commune
// c.Code; the code itself never changes (other programs write it).
func (s *Store) UpdateCommune(ctx context.Context, actor string, c *Commune) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		old, err := communeWhere(ctx, tx, `code = ?`, c.Code)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE communes SET name = ?, rate_per_min = ?, updated_at = ? WHERE id = ?`,
			c.Name, nullRate(c.RatePerMin), fmtTime(tx.Now), old.ID); err != nil {
			return fmt.Errorf("update commune %s: %w", c.Code, err)
		}
		c.ID, c.Active, c.CreatedAt, c.UpdatedAt = old.ID, old.Active, old.CreatedAt, tx.Now
		return tx.auditIn(ctx, c.ID, actor, "commune.edit", 0, 0, fmt.Sprintf("%s %s rate=%d", c.Code, c.Name, c.RatePerMin))
	})
}

// RenameCommune changes the code of commune code to newCode, and the code
// its notices record (notices.commune), in one transaction: for a code
// the upgrade made from the wrong LOAXA_COMMUNE. It is refused while a
// live province notice (a draft, pending or approved one) names the
// commune in its targets, naming those notices; a finished one's targets
// are changed to the new code with it, so that it still reads, and takes
// a correction, as before. Programs that insert notices with the old code
// must change too.
func (s *Store) RenameCommune(ctx context.Context, actor, code, newCode string) error {
	c := Commune{Code: newCode, Name: "x"}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		old, err := communeWhere(ctx, tx, `code = ?`, strings.ToLower(strings.TrimSpace(code)))
		if err != nil {
			return err
		}
		if old.Code == c.Code {
			return nil
		}
		if _, err := communeWhere(ctx, tx, `code = ?`, c.Code); err == nil {
			return fieldErr("code", "Mã xã %q đã có; hãy đặt mã khác.", c.Code)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		named, err := provinceNoticesNaming(ctx, tx, old.Code)
		if err != nil {
			return err
		}
		var live []string
		for _, n := range named {
			if n.live {
				live = append(live, "số "+strconv.FormatInt(n.id, 10))
			}
		}
		if len(live) > 0 {
			return fieldErr("code", "Thông báo cấp tỉnh %s chưa gửi xong và nhắm tới %s theo mã %s, nên chưa đổi mã được. "+
				"Hãy đổi mã sau khi chúng gửi xong (hoặc bị từ chối, hết hạn), hoặc dừng chúng (loaxa notice cancel SỐ --province) rồi đổi mã.",
				strings.Join(live, ", "), old.Name, old.Code)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE communes SET code = ?, updated_at = ? WHERE id = ?`,
			c.Code, fmtTime(tx.Now), old.ID); err != nil {
			return fmt.Errorf("rename commune %s: %w", old.Code, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET commune = ? WHERE commune_id = ?`, c.Code, old.ID); err != nil {
			return fmt.Errorf("rename the commune of notices: %w", err)
		}
		// The finished province notices naming it: by its new code.
		for _, n := range named {
			if _, err := tx.ExecContext(ctx, `UPDATE notices SET targets = ? WHERE id = ?`,
				strings.Join(renameTargets(n.targets, old.Code, c.Code), ","), n.id); err != nil {
				return fmt.Errorf("rename the commune in notice %d's targets: %w", n.id, err)
			}
		}
		return tx.auditIn(ctx, old.ID, actor, "commune.rename", 0, 0, old.Code+" → "+c.Code)
	})
}

// namingNotice is a province notice whose targets name a commune.
type namingNotice struct {
	id      int64
	targets []string
	live    bool // draft, pending or approved: still to be sent
}

// provinceNoticesNaming returns the province notices whose targets name
// commune code, or a hamlet of it ("code/hamlet").
func provinceNoticesNaming(ctx context.Context, tx *txn, code string) ([]namingNotice, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, targets, status IN ('draft', 'pending', 'approved') FROM notices
		WHERE commune = '*' AND targets <> 'all'
		AND (',' || replace(targets, ' ', '') || ',' LIKE '%,' || ?1 || ',%'
		  OR ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ?1 || '/%') ORDER BY id`, code)
	if err != nil {
		return nil, fmt.Errorf("check province notices of commune %s: %w", code, err)
	}
	defer rows.Close()
	var out []namingNotice
	for rows.Next() {
		var n namingNotice
		var targets string
		if err := rows.Scan(&n.id, &targets, &n.live); err != nil {
			return nil, fmt.Errorf("check province notices of commune %s: %w", code, err)
		}
		n.targets = splitTargets(targets)
		out = append(out, n)
	}
	return out, rows.Err()
}

// renameTargets is targets with commune old, and its "old/hamlet" pairs,
// named by code new.
func renameTargets(targets []string, old, new string) []string {
	out := make([]string, len(targets))
	for i, t := range targets {
		c, h, pair := strings.Cut(t, "/")
		switch {
		case c != old:
			out[i] = t
		case pair:
			out[i] = new + "/" + h
		default:
			out[i] = new
		}
	}
	return out
}

// SetCommuneActive includes or excludes the commune code: an inactive
// commune's hamlets receive nothing and it takes no new notices. The last
// active commune cannot be disabled: nothing would be sent at all.
func (s *Store) SetCommuneActive(ctx context.Context, actor, code string, active bool) error {
	return s.update(ctx, func(tx *txn) error {
		c, err := communeWhere(ctx, tx, `code = ?`, strings.ToLower(strings.TrimSpace(code)))
		if err != nil {
			return err
		}
		if !active && c.Active {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM communes WHERE active = 1 AND id <> ?`, c.ID).
				Scan(&others); err != nil {
				return fmt.Errorf("count communes: %w", err)
			}
			if others == 0 {
				return fieldErr("commune", "Xã %s là xã duy nhất đang hoạt động; tắt nó thì không tin nào được gửi. "+
					"Muốn ngừng gửi tới một thôn/ấp thì hãy tắt thôn/ấp đó.", c.Code)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE communes SET active = ?, updated_at = ? WHERE id = ?`,
			active, fmtTime(tx.Now), c.ID); err != nil {
			return fmt.Errorf("set commune %s active: %w", c.Code, err)
		}
		action := "commune.enable"
		if !active {
			action = "commune.disable"
		}
		return tx.auditIn(ctx, c.ID, actor, action, 0, 0, c.Code)
	})
}
