package notices_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

func TestValidatePassword(t *testing.T) {
	tests := []struct{ user, pw, want string }{
		{"lan", "ngắn", "Mật khẩu quá ngắn (4 ký tự); hãy dùng ít nhất 10 ký tự, ví dụ một câu ngắn dễ nhớ."},
		{"lan.nguyen", "Lan.Nguyen", "Mật khẩu không được là tên đăng nhập; hãy chọn mật khẩu khác."},
		{"lan.nguyen", "lan.nguyen1", "Mật khẩu không được là tên đăng nhập; hãy chọn mật khẩu khác."},
		{"lan", "aaaaaaaaaaaa", "Mật khẩu chỉ lặp lại một ký tự; hãy chọn mật khẩu khó đoán hơn."},
		{"lan", "1234567890", "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."},
		{"lan", "MatKhau123", "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."},
		{"lan", "mưa chiều nay to", ""},
		{"lan", "lan-đi-chợ-sáng", ""},
	}
	for _, tt := range tests {
		err := notices.ValidatePassword(tt.user, tt.pw)
		got := ""
		if fe := (notices.FieldErrors{}); errors.As(err, &fe) {
			got = fe[0].Msg
		} else if err != nil {
			t.Fatalf("ValidatePassword(%q, %q) = %v; want FieldErrors", tt.user, tt.pw, err)
		}
		if got != tt.want {
			t.Errorf("ValidatePassword(%q, %q) = %q; want %q", tt.user, tt.pw, got, tt.want)
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
