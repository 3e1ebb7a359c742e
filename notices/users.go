package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"
)

// Role is what a staff account may do.
type Role string

const (
	RoleEditor   Role = "editor"   // writes notices
	RoleApprover Role = "approver" // also approves and rejects them
	RoleAdmin    Role = "admin"    // also manages hamlets, users and the Zalo connection
)

// CanApprove reports whether the role may approve notices.
func (r Role) CanApprove() bool { return r == RoleApprover || r == RoleAdmin }

// User is a staff account. The password hash never leaves the store.
type User struct {
	ID          int64
	Commune     string // its commune's code, or Province; empty in CreateUser means the only commune
	CommuneID   int64  // 0 for a province account; set by the store
	Username    string
	DisplayName string
	Role        Role
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// normalize cleans the user's fields.
func (u *User) normalize() {
	u.Username = strings.TrimSpace(u.Username)
	u.Commune = strings.ToLower(strings.TrimSpace(u.Commune))
	u.DisplayName = nfcTrim(u.DisplayName)
}

// Validate checks the user's name and role.
func (u *User) Validate() error {
	u.normalize()
	var es FieldErrors
	switch l := len(u.Username); {
	case l == 0:
		es.add("username", "Tên đăng nhập không được để trống; hãy nhập tên, ví dụ \"lan.nguyen\".")
	case l < 2 || l > 40 || strings.Trim(u.Username, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != "":
		es.add("username", "Tên đăng nhập %q không hợp lệ; hãy dùng 2–40 chữ cái không dấu, số, '.', '_' hoặc '-'.", u.Username)
	}
	switch u.Role {
	case RoleEditor, RoleApprover, RoleAdmin:
	default:
		es.add("role", "Vai trò %q không có; hãy chọn editor (soạn), approver (duyệt) hoặc admin (quản trị).", u.Role)
	}
	if utf8.RuneCountInString(u.DisplayName) > 100 {
		es.add("display_name", "Tên hiển thị dài quá 100 ký tự; hãy rút gọn.")
	}
	return es.Err()
}

// CreateUser adds a staff account with a bcrypt hash of password.
func (s *Store) CreateUser(ctx context.Context, actor string, u *User, password string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	password = norm.NFC.String(password)
	if err := s.checkPassword(ctx, u.Username, password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.update(ctx, func(tx *txn) error {
		u.CommuneID = 0
		if u.Commune != Province {
			c, err := resolveCommune(ctx, tx, u.Commune)
			var req *CommuneRequiredError
			if errors.As(err, &req) {
				return fieldErr("commune", "Có %d xã (%s); hãy chọn xã của tài khoản, hoặc tài khoản cấp tỉnh.",
					len(req.Codes), strings.Join(req.Codes, ", "))
			}
			if err != nil {
				return err
			}
			u.Commune, u.CommuneID = c.Code, c.ID
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = ?`, u.Username).Scan(&n); err != nil {
			return fmt.Errorf("check user %s: %w", u.Username, err)
		}
		if n > 0 {
			return fieldErr("username", "Tên đăng nhập %q đã có; hãy chọn tên khác.", u.Username)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at,
			commune_id) VALUES (?, ?, ?, ?, 1, ?, ?, ?)`, u.Username, u.DisplayName, u.Role, string(hash), fmtTime(tx.Now),
			fmtTime(tx.Now), nullID(u.CommuneID))
		if err != nil {
			return fmt.Errorf("insert user %s: %w", u.Username, err)
		}
		u.ID, _ = res.LastInsertId()
		u.Active, u.CreatedAt, u.UpdatedAt = true, tx.Now, tx.Now
		return tx.auditIn(ctx, u.CommuneID, actor, "user.add", 0, 0, u.Username+" "+string(u.Role))
	})
}

const userColumns = `id, coalesce(commune_id, 0), coalesce((SELECT code FROM communes WHERE communes.id = users.commune_id), '*'),
	username, display_name, role, active, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var created, updated sql.NullString
	if err := sc.Scan(&u.ID, &u.CommuneID, &u.Commune, &u.Username, &u.DisplayName, &u.Role, &u.Active, &created, &updated); err != nil {
		return u, err
	}
	var err1, err2 error
	u.CreatedAt, err1 = parseTime(created)
	u.UpdatedAt, err2 = parseTime(updated)
	return u, errors.Join(err1, err2)
}

// Users lists every account by user name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// UserByName returns the account named username (case-insensitive), or ErrNotFound.
func (s *Store) UserByName(ctx context.Context, username string) (*User, error) {
	return s.userWhere(ctx, `username = ?`, strings.TrimSpace(username))
}

// UserByID returns the account with id, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.userWhere(ctx, `id = ?`, id)
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (*User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get user %v: %w", arg, err)
	}
	return &u, nil
}

// Authenticate returns the active account whose password is password, or
// ErrBadCredentials. It does the same bcrypt work for an unknown user as for
// a known one, so timing does not tell which user names exist.
func (s *Store) Authenticate(ctx context.Context, username, password string) (*User, error) {
	forms, tooLong := passwordForms(password)
	var hash string
	var active bool
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash, active FROM users WHERE username = ?`,
		strings.TrimSpace(username)).Scan(&id, &hash, &active)
	switch {
	case errors.Is(err, sql.ErrNoRows), err == nil && tooLong:
		// The same bcrypt work as for a known user. Over 72 bytes bcrypt
		// would compare only the first 72: a known prefix plus any suffix
		// would sign in. No stored password is that long (ValidatePassword
		// refuses them), so this refuses nobody's real one.
		for _, f := range forms {
			if _, err := s.compareHash(ctx, s.dummy(), []byte(f)); err != nil {
				return nil, err
			}
		}
		return nil, ErrBadCredentials
	case err != nil:
		return nil, fmt.Errorf("authenticate %s: %w", username, err)
	}
	var matched string
	for _, f := range forms {
		ok, err := s.compareHash(ctx, []byte(hash), []byte(f))
		if err != nil {
			return nil, err
		}
		if ok {
			matched = f
			break
		}
	}
	if matched == "" || !active {
		return nil, ErrBadCredentials
	}
	if matched != forms[0] {
		s.rehash(ctx, id, hash, forms[0])
	}
	return s.UserByID(ctx, id)
}

// passwordForms are the forms of a typed password to verify, in order:
// its NFC form (every hash made since passwords are normalised), then, for
// a hash made before from unnormalised input, the form typed and its NFD
// form (a password set on a Mac, typed on a phone), each once and only
// within bcrypt's 72 bytes. tooLong: the NFC form is over 72 bytes; forms
// is then its first 72 bytes, to spend the same work on.
func passwordForms(password string) (forms []string, tooLong bool) {
	nfc := norm.NFC.String(password)
	if len(nfc) > MaxPasswordBytes {
		return []string{nfc[:MaxPasswordBytes]}, true
	}
	forms = []string{nfc}
	for _, f := range []string{password, norm.NFD.String(password)} {
		if len(f) <= MaxPasswordBytes && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms, false
}

// checkPassword applies ValidatePassword with the commune's and the
// hamlets' names as words a password must not be made of.
func (s *Store) checkPassword(ctx context.Context, username, password string) error {
	words := []string{s.commune}
	hs, err := s.Hamlets(ctx)
	if err != nil {
		return err
	}
	for _, h := range hs {
		words = append(words, h.Name, h.Code)
	}
	return ValidatePassword(username, password, words...)
}

// rehash replaces user id's hash, made from an unnormalised password,
// with one of its NFC form, unless the hash has changed meanwhile. A
// failure is only logged: the old hash still verifies.
func (s *Store) rehash(ctx context.Context, id int64, old, nfc string) {
	select {
	case s.hashers <- struct{}{}:
	case <-ctx.Done():
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(nfc), s.cost)
	<-s.hashers
	if err == nil {
		err = s.commit(ctx, func(tx *txn) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`,
				string(hash), id, old)
			return err
		})
	}
	if err != nil {
		s.log.Error().Err(err).Int64("user_id", id).Msg("rehash password in NFC")
	}
}

// dummy is a hash of the store's cost to compare unknown users against.
func (s *Store) dummy() []byte {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("loaxa: no such user"), s.cost)
	})
	return s.dummyHash
}

// SetPassword replaces username's password.
func (s *Store) SetPassword(ctx context.Context, actor, username, password string) error {
	u, err := s.UserByName(ctx, username)
	if err != nil {
		return err
	}
	password = norm.NFC.String(password)
	if err := s.checkPassword(ctx, u.Username, password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`,
			string(hash), fmtTime(tx.Now), u.ID); err != nil {
			return fmt.Errorf("set password of %s: %w", u.Username, err)
		}
		// Sessions made with the old password end with it.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("end sessions of %s: %w", u.Username, err)
		}
		return tx.auditIn(ctx, u.CommuneID, actor, "user.password", 0, 0, u.Username)
	})
}

// SetUserActive enables or disables username's account; disabling ends its sessions.
func (s *Store) SetUserActive(ctx context.Context, actor, username string, active bool) error {
	u, err := s.UserByName(ctx, username)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET active = ?, updated_at = ? WHERE id = ?`,
			active, fmtTime(tx.Now), u.ID); err != nil {
			return fmt.Errorf("set user %s active: %w", u.Username, err)
		}
		action := "user.enable"
		if !active {
			action = "user.disable"
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
				return fmt.Errorf("end sessions of %s: %w", u.Username, err)
			}
		}
		return tx.auditIn(ctx, u.CommuneID, actor, action, 0, 0, u.Username)
	})
}
