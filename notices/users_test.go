package notices_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

func TestValidatePassword(t *testing.T) {
	const (
		short   = "Mật khẩu quá ngắn (%d ký tự); hãy dùng ít nhất 12 ký tự, ví dụ một câu ngắn dễ nhớ."
		user    = "Mật khẩu không được dựa trên tên đăng nhập; hãy chọn mật khẩu khác."
		common  = "Mật khẩu này quá phổ biến"
		pattern = "Mật khẩu dễ đoán"
		weak    = "either" // common or pattern: both are refusals
	)
	tests := []struct{ user, pw, want string }{
		// The examples: each too short, and longer variants of each.
		{"lan", "Password1!", fmt.Sprintf(short, 10)},
		{"lan", "12345678901", fmt.Sprintf(short, 11)},
		{"lan", "matkhau12345", common},
		{"lan", "qwertyuiop1", fmt.Sprintf(short, 11)},
		{"lan", "Password1234!", common},
		{"lan", "P@ssw0rd2024!", common},
		{"lan", "123456789012", pattern},
		{"lan", "qwertyuiop12", pattern},
		{"lan", "1qaz2wsx3edc4rfv", pattern},
		{"lan", "Mật khẩu 123456", weak},
		{"lan", "admin@123456", weak},
		{"lan", "anhyeuem1990!", common},
		{"lan", "aaaaaaaaaaaa", pattern},
		{"lan", "abcabcabcabc", pattern},
		{"lan", "zxcvbnm,./12", weak},
		{"lan", "987654321000", pattern},
		{"lan", "ubndxa123456", weak},
		{"lan", "UBND Thử Nghiệm 2026", weak}, // the commune's name
		{"lan", "khom1khom1khom1", common},    // a hamlet's name
		{"lan.nguyen", "Lan.Nguyen2024", user},
		{"lan.nguyen", "lan.nguyen1234", user},
		{"lan", "một\thai ba bốn năm", "Mật khẩu có ký tự điều khiển"},
		{"lan", "mưa chiều nay to", ""},
		{"lan", "lan-đi-chợ-sáng", ""},
		{"lan", "Xk9#mP2vLq7!", ""},
		{"lan", "tàu về bến cũ lúc 5 giờ", ""},
		{"lan", "mưa " + strings.Repeat("chiều ", 12), "Mật khẩu dài 101 byte, quá giới hạn 72 byte"},
	}
	for _, tt := range tests {
		err := notices.ValidatePassword(tt.user, tt.pw, "UBND xã Thử Nghiệm", "Khóm 1", "khom-1")
		got := ""
		if fe := (notices.FieldErrors{}); errors.As(err, &fe) {
			got = fe[0].Msg
		} else if err != nil {
			t.Fatalf("ValidatePassword(%q, %q) = %v; want FieldErrors", tt.user, tt.pw, err)
		}
		ok := strings.HasPrefix(got, tt.want) && (tt.want != "" || got == "")
		if tt.want == weak {
			ok = strings.HasPrefix(got, common) || strings.HasPrefix(got, pattern)
		}
		if !ok {
			t.Errorf("ValidatePassword(%q, %q) = %q; want %q…", tt.user, tt.pw, got, tt.want)
		}
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	u := notices.User{Username: "hoa", DisplayName: "Chị Hoa", Role: notices.RoleApprover}
	if err := s.CreateUser(ctx, "cli", &u, "mưa chiều nay to"); err != nil {
		t.Fatal(err)
	}
	before := counts(t, rawDB(t, path))
	for _, bad := range []struct {
		u     notices.User
		pw    string
		field string
	}{
		{notices.User{Username: "HOA", Role: notices.RoleEditor}, "một mật khẩu dài", "username"},
		{notices.User{Username: "h", Role: notices.RoleEditor}, "một mật khẩu dài", "username"},
		{notices.User{Username: "chị hoa", Role: notices.RoleEditor}, "một mật khẩu dài", "username"},
		{notices.User{Username: "binh", Role: "boss"}, "một mật khẩu dài", "role"},
		{notices.User{Username: "binh", Role: notices.RoleEditor}, "binh", "password"},
	} {
		err := s.CreateUser(ctx, "cli", &bad.u, bad.pw)
		if fe := (notices.FieldErrors{}); !errors.As(err, &fe) || fe[0].Field != bad.field {
			t.Errorf("CreateUser(%q, %q, %q) = %v; want a %s error", bad.u.Username, bad.u.Role, bad.pw, err, bad.field)
		}
	}
	if after := counts(t, rawDB(t, path)); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after refusals = %v; want %v", after, before)
	}

	got, err := s.Authenticate(ctx, "Hoa", "mưa chiều nay to")
	if err != nil || got.Username != "hoa" || got.Role != notices.RoleApprover || got.DisplayName != "Chị Hoa" {
		t.Fatalf("Authenticate(right) = %+v, %v", got, err)
	}
	for _, c := range [][2]string{{"hoa", "mưa chiều nay TO"}, {"nobody", "mưa chiều nay to"}, {"", ""}} {
		if u, err := s.Authenticate(ctx, c[0], c[1]); !errors.Is(err, notices.ErrBadCredentials) || u != nil {
			t.Errorf("Authenticate(%q, %q) = %v, %v; want ErrBadCredentials", c[0], c[1], u, err)
		}
	}
	if err := s.SetPassword(ctx, "hoa", "hoa", "nắng sớm trên đồng"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "hoa", "mưa chiều nay to"); !errors.Is(err, notices.ErrBadCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, err := s.Authenticate(ctx, "hoa", "nắng sớm trên đồng"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if err := s.SetUserActive(ctx, "cli", "hoa", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "hoa", "nắng sớm trên đồng"); !errors.Is(err, notices.ErrBadCredentials) {
		t.Errorf("disabled account authenticated: %v", err)
	}
	us, err := s.Users(ctx)
	if err != nil || len(us) != 1 || us[0].Active {
		t.Errorf("Users() = %+v, %v; want hoa, inactive", us, err)
	}
}

// TestPasswordByteLimit: bcrypt reads only 72 bytes, so a 72-byte password
// followed by anything must not sign in, and a hamlet's name added after
// the account existed is refused in a new password.
func TestPasswordByteLimit(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	pw := strings.Repeat("Xk9#mP2vLq7!", 6) // 72 bytes
	u := notices.User{Username: "hoa", Role: notices.RoleAdmin}
	if err := s.CreateUser(ctx, "cli", &u, pw); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "hoa", pw); err != nil {
		t.Fatalf("Authenticate(the 72-byte password) = %v", err)
	}
	for _, suffix := range []string{"x", "anything at all", strings.Repeat("z", 100)} {
		if _, err := s.Authenticate(ctx, "hoa", pw+suffix); !errors.Is(err, notices.ErrBadCredentials) {
			t.Errorf("Authenticate(72 bytes + %q) = %v; want ErrBadCredentials", suffix, err)
		}
	}
	if err := s.SetPassword(ctx, "cli", "hoa", pw+"x"); err == nil {
		t.Errorf("SetPassword accepted a 73-byte password")
	}
	if err := s.CreateHamlet(ctx, "cli", &notices.Hamlet{Name: "Ấp Đông Hòa", GroupID: "g1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, "cli", "hoa", "Ấp Đông Hòa 123456"); err == nil {
		t.Errorf("SetPassword accepted the hamlet's name with digits")
	}
}
