package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/loaxa/loaxa/notices"
)

var userFlags = map[string]string{"username": "--name", "role": "--role", "display_name": "--display-name", "password": "mật khẩu",
	"commune": "--commune"}

func userAdd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa user add", "--name TÊN --role editor|approver|admin [--display-name TÊN] [--password-file TỆP]",
		"Thêm tài khoản cán bộ. Mật khẩu: từ --password-file, hoặc nhập (không hiện) khi chạy ở terminal,\n"+
			"hoặc một dòng từ đầu vào chuẩn. Mật khẩu cần ít nhất 12 ký tự (tối đa 72 byte), không dựa trên tên đăng nhập,\n"+
			"tên xã, tên thôn hay mật khẩu phổ biến (như matkhau123, qwerty, 123456).")
	name := f.String("name", "", "tên đăng nhập: chữ không dấu, số, '.', '_', '-'")
	role := f.String("role", "", "editor (soạn), approver (duyệt) hoặc admin (quản trị)")
	display := f.String("display-name", "", "tên hiển thị, ví dụ \"Nguyễn Thị Lan\"")
	pwFile := f.String("password-file", "", "tệp chứa mật khẩu (dòng đầu)")
	sc := communeScope(f, true)
	var u notices.User
	var pw string
	o, err := f.prelude(ctx, args, 0, func([]string) error {
		if err := checkRole(f.name, *role); err != nil {
			return err
		}
		u = notices.User{Username: *name, Role: notices.Role(*role), DisplayName: *display}
		if err := u.Validate(); err != nil {
			return explain(err, userFlags)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer o.Close()
	// The password is read once the command line is known good, --commune
	// included (the prelude resolved it): a usage error comes first.
	if pw, err = readPassword(e, *pwFile); err != nil {
		return err
	}
	if err := notices.ValidatePassword(u.Username, pw); err != nil {
		return explain(err, userFlags)
	}
	u.Commune = scopeCode(o.c)
	if err := o.s.CreateUser(ctx, "cli", &u, pw); err != nil {
		return explain(err, userFlags)
	}
	if sc.given() {
		fmt.Fprintf(e.stdout, "Đã thêm tài khoản %s (%s, %s).\n", u.Username, u.Role, communeLabel(o.c))
	} else {
		fmt.Fprintf(e.stdout, "Đã thêm tài khoản %s (%s).\n", u.Username, u.Role)
	}
	return nil
}

// readPassword reads the new password: from file, from a terminal without
// echo (twice), or as one line of stdin.
func readPassword(e *env, file string) (string, error) {
	if file != "" {
		b, err := readLimited(file, 1024)
		if err != nil {
			return "", fmt.Errorf("không đọc được tệp mật khẩu %s: %v", file, errors.Unwrap(err))
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimRight(line, "\r"), nil
	}
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Mật khẩu: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("đọc mật khẩu: %w", err)
		}
		fmt.Fprint(e.stderr, "Nhập lại mật khẩu: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("đọc mật khẩu: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("hai lần nhập mật khẩu không khớp; hãy chạy lại lệnh")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 1024)).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", errors.New("chưa có mật khẩu; hãy dùng --password-file TỆP, hoặc đưa mật khẩu vào đầu vào chuẩn, hoặc chạy ở terminal")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func userList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa user list", "", "Liệt kê tài khoản cán bộ.")
	sc := communeScope(f, true)
	o, err := f.prelude(ctx, args, 0, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	c := o.c
	all, err := o.s.Users(ctx)
	if err != nil {
		return err
	}
	var us []notices.User
	for _, u := range all {
		if !sc.given() || u.Commune == scopeCode(c) { // one commune, no flag: every account, as before
			us = append(us, u)
		}
	}
	if len(us) == 0 {
		fmt.Fprintln(e.stdout, "Chưa có tài khoản nào; thêm bằng loaxa user add.")
		return nil
	}
	widths := []int{20, 10, 14}
	row(e.stdout, widths, "TÊN ĐĂNG NHẬP", "VAI TRÒ", "TRẠNG THÁI", "TÊN HIỂN THỊ")
	for _, u := range us {
		state := "đang dùng"
		if !u.Active {
			state = "đã khóa"
		}
		row(e.stdout, widths, u.Username, string(u.Role), state, u.DisplayName)
	}
	return nil
}
