package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
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
	Username    string
	DisplayName string
	Role        Role
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// commonPasswords are refused whatever their length; compared in lower case.
var commonPasswords = wordSet(`
		0123456789 1234567890 12345678910 123456789a a123456789 aa123456789 123456789q
		987654321 9876543210 123123123 1231231234 123321123 147258369 147852369 741852963
		123654789 159753456 1q2w3e4r5t 1qaz2wsx3edc zaq12wsxcde qwertyuiop qwerty1234
		qwerty123456 qwert12345 12345qwert asdfghjkl asdfghjkl123 zxcvbnm123 abc1234567
		abcd123456 abcde12345 password1 password12 password123 passw0rd123 p@ssw0rd123
		p@ssword123 iloveyou12 iloveyou123 anhyeuem123 anhyeuem1234 emyeuanh123 matkhau123
		matkhau1234 matkhaumoi matkhaumoi123 khongbiet khongbiet123 vietnam123 vietnam1234
		hanoi12345 saigon12345 admin12345 admin123456 administrator loaxa12345 loaxa123456
		ubnd123456 ubndxa12345 welcome123 changeme123 letmein123 trustno1234 superman123
		dragon1234 football123 monkey12345 sunshine123 princess123 computer123 internet123
		whatever123 starwars123 11223344556 1122334455 1234512345 0987654321 12344321
		`)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// ValidatePassword checks a new password for username: at least 10
// characters, not the user name, not a common password, not one character
// repeated, at most 72 bytes (bcrypt's limit).
func ValidatePassword(username, password string) error {
	var es FieldErrors
	lower := strings.ToLower(password)
	user := strings.ToLower(strings.TrimSpace(username))
	rest := lower
	if user != "" {
		rest = strings.ReplaceAll(lower, user, "")
	}
	switch {
	case utf8.RuneCountInString(password) < MinPassword:
		es.add("password", "Mật khẩu quá ngắn (%d ký tự); hãy dùng ít nhất %d ký tự, ví dụ một câu ngắn dễ nhớ.",
			utf8.RuneCountInString(password), MinPassword)
	case len(password) > 72:
		es.add("password", "Mật khẩu dài quá 72 byte; hãy dùng mật khẩu ngắn hơn.")
	case rest != lower && utf8.RuneCountInString(strings.TrimSpace(rest)) < 4:
		es.add("password", "Mật khẩu không được là tên đăng nhập; hãy chọn mật khẩu khác.")
	case strings.Count(password, string([]rune(password)[:1])) == utf8.RuneCountInString(password):
		es.add("password", "Mật khẩu chỉ lặp lại một ký tự; hãy chọn mật khẩu khó đoán hơn.")
	case commonPasswords[lower]:
		es.add("password", "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.")
	}
	return es.Err()
}

// normalize cleans the user's fields.
func (u *User) normalize() {
	u.Username = strings.TrimSpace(u.Username)
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
	if err := ValidatePassword(u.Username, password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.update(ctx, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = ?`, u.Username).Scan(&n); err != nil {
			return fmt.Errorf("check user %s: %w", u.Username, err)
		}
		if n > 0 {
			return fieldErr("username", "Tên đăng nhập %q đã có; hãy chọn tên khác.", u.Username)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, 1, ?, ?)`, u.Username, u.DisplayName, u.Role, string(hash), fmtTime(tx.Now), fmtTime(tx.Now))
		if err != nil {
			return fmt.Errorf("insert user %s: %w", u.Username, err)
		}
		u.ID, _ = res.LastInsertId()
		u.Active, u.CreatedAt, u.UpdatedAt = true, tx.Now, tx.Now
		return tx.audit(ctx, actor, "user.add", 0, 0, u.Username+" "+string(u.Role))
	})
}

const userColumns = `id, username, display_name, role, active, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var created, updated sql.NullString
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.Active, &created, &updated); err != nil {
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
	var hash string
	var active bool
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash, active FROM users WHERE username = ?`,
		strings.TrimSpace(username)).Scan(&id, &hash, &active)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_ = bcrypt.CompareHashAndPassword(s.dummy(), []byte(password))
		return nil, ErrBadCredentials
	case err != nil:
		return nil, fmt.Errorf("authenticate %s: %w", username, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || !active {
		return nil, ErrBadCredentials
	}
	return s.UserByID(ctx, id)
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
	if err := ValidatePassword(u.Username, password); err != nil {
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
		return tx.audit(ctx, actor, "user.password", 0, 0, u.Username)
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
		return tx.audit(ctx, actor, action, 0, 0, u.Username)
	})
}
