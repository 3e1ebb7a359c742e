// Command loaxa delivers commune announcements to hamlet Zalo group chats.
//
// Usage: loaxa [--db PATH] COMMAND [SUBCOMMAND] [FLAGS]. Run "loaxa --help"
// for the commands; every command takes --help. Exit status: 0 on success,
// 2 on a usage error, 1 otherwise; errors are one line on stderr.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // after the first signal, a second one kills at once
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err as one line and returns the exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	msg := oneLine(err.Error())
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrFull:
			msg = "đĩa đầy, cơ sở dữ liệu không ghi được (" + msg + "); không có gì thay đổi: hãy giải phóng chỗ trống rồi chạy lại"
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			msg = "cơ sở dữ liệu đang bị chương trình khác khóa quá lâu (" + msg + "); không có gì thay đổi: hãy chạy lại sau"
		case sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrCantOpen:
			msg = "không ghi được cơ sở dữ liệu (" + msg + "); hãy kiểm tra đường dẫn --db và quyền ghi"
		}
	}
	if !strings.HasPrefix(msg, "loaxa ") && !strings.HasPrefix(msg, "loaxa:") {
		msg = "loaxa: " + msg
	}
	fmt.Fprintln(stderr, msg)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// usageError is a mistake in the command line itself: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what every command gets: the process's surroundings, explicitly.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	db     string // --db, or LOAXA_DB, or loaxa.db
	dbFlag bool   // --db was given before the command
	// rulesNote says that the daemon's recorded rules differ from this
	// environment's (daemonrules.go); sayRules prints it once.
	rulesNote string
}

// command is one entry of a dispatch table: a leaf that runs, or a group
// with its own table.
type command struct {
	summary string // one line, shown in the parent's help
	run     func(ctx context.Context, e *env, args []string) error
	sub     map[string]command
}

// commands is the dispatch table. Add a command here: a leaf with run, or
// a group with sub; "loaxa --help" lists them.
func commands() map[string]command {
	return map[string]command{
		"hamlet": {summary: "quản lý thôn/ấp và nhóm Zalo của chúng", sub: map[string]command{
			"add":    {summary: "thêm một thôn/ấp", run: hamletAdd},
			"list":   {summary: "liệt kê thôn/ấp", run: hamletList},
			"import": {summary: "nhập thôn/ấp từ tệp CSV (code,name,group_id)", run: hamletImport},
			"sync":   {summary: "thêm thôn/ấp cho các nhóm Zalo của OA", run: hamletSync},
		}},
		"notice": {summary: "soạn, duyệt và theo dõi thông báo", sub: map[string]command{
			"add":     {summary: "tạo thông báo", run: noticeAdd},
			"list":    {summary: "liệt kê thông báo", run: noticeList},
			"show":    {summary: "xem một thông báo và tình trạng gửi tới từng thôn/ấp", run: noticeShow},
			"approve": {summary: "duyệt thông báo đang chờ", run: noticeApprove},
			"cancel":  {summary: "hủy thông báo chưa gửi xong", run: noticeCancel},
			"retry":   {summary: "gửi lại các tin bị lỗi của một thông báo", run: noticeRetry},
			"edit":    {summary: "sửa thông báo chưa duyệt rồi gửi duyệt lại", run: noticeEdit},
			"submit":  {summary: "gửi bản nháp đi chờ duyệt", run: noticeSubmit},
			"pause":   {summary: "tạm dừng thông báo lặp lại (các lượt trong lúc dừng không gửi bù)", run: noticePause},
			"resume":  {summary: "cho thông báo đang tạm dừng gửi tiếp", run: noticeResume},
		}},
		"template": {summary: "mẫu thông báo", sub: map[string]command{
			"list": {summary: "liệt kê mẫu thông báo", run: templateList},
		}},
		"user": {summary: "tài khoản cán bộ", sub: map[string]command{
			"add":  {summary: "thêm tài khoản", run: userAdd},
			"list": {summary: "liệt kê tài khoản", run: userList},
		}},
		"commune": {summary: "các xã/phường khi một máy phục vụ cả tỉnh", sub: map[string]command{
			"add":     {summary: "thêm một xã", run: communeAdd},
			"list":    {summary: "liệt kê các xã", run: communeList},
			"edit":    {summary: "đổi tên hoặc giới hạn OA của một xã", run: communeEdit},
			"disable": {summary: "tắt một xã", run: communeDisable},
			"enable":  {summary: "bật lại một xã đã tắt", run: communeEnable},
		}},
		"serve":   {summary: "chạy tiến trình gửi tin và trang quản trị", run: serveCmd},
		"demo":    {summary: "chạy thử toàn bộ hệ thống với trình giả lập Zalo, không cần cấu hình", run: demoCmd},
		"zalosim": {summary: "chạy riêng trình giả lập Zalo OA API", run: zalosimCmd},
		"zalo": {summary: "kết nối Zalo OA", sub: map[string]command{
			"connect": {summary: "kết nối OA (OAuth v4 có PKCE)", run: zaloConnect},
			"status":  {summary: "tình trạng kết nối và hạn token", run: zaloStatus},
		}},
		"version": {summary: "phiên bản, commit và ngày build", run: versionCmd},
		"doctor":  {summary: "kiểm tra cấu hình, cơ sở dữ liệu, đồng hồ, Zalo và webhook; chỉ cách sửa", run: doctorCmd},
		"db": {summary: "cơ sở dữ liệu", sub: map[string]command{
			"migrate": {summary: "nâng cấp lược đồ", run: dbMigrate},
			"backup":  {summary: "sao lưu trực tuyến ra tệp", run: dbBackup},
		}},
	}
}

// run is the whole program; main only adds signals and the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, db: getenv("LOAXA_DB")}
	if e.db == "" {
		e.db = "loaxa.db"
	}
	path := []string{"loaxa"}
	cmds := commands()
	for {
		// Global flags may come before the command: --db PATH, --help.
		var name string
		for len(args) > 0 && name == "" {
			switch a := args[0]; {
			case a == "-h" || a == "-help" || a == "--help":
				groupHelp(e.stdout, path, cmds)
				return nil
			case (a == "--version" || a == "-version") && len(path) == 1:
				fmt.Fprintf(e.stdout, "loaxa %s\n", currentBuild())
				return nil
			case a == "--db" || a == "-db":
				if len(args) < 2 {
					return usagef("%s: --db cần một đường dẫn", strings.Join(path, " "))
				}
				e.db, e.dbFlag, args = args[1], true, args[2:]
			case strings.HasPrefix(a, "--db=") || strings.HasPrefix(a, "-db="):
				e.db, e.dbFlag, args = a[strings.Index(a, "=")+1:], true, args[1:]
			case strings.HasPrefix(a, "-"):
				return usagef("%s: không có tùy chọn %s; xem %s --help", strings.Join(path, " "), a, strings.Join(path, " "))
			default:
				name, args = a, args[1:]
			}
		}
		if name == "" {
			groupHelp(e.stderr, path, cmds)
			return usagef("%s: thiếu lệnh; xem %s --help", strings.Join(path, " "), strings.Join(path, " "))
		}
		c, ok := cmds[name]
		if !ok {
			return usagef("%s: không có lệnh %q; xem %s --help", strings.Join(path, " "), name, strings.Join(path, " "))
		}
		path = append(path, name)
		if c.sub == nil {
			if err := c.run(ctx, e, args); !errors.Is(err, errHelp) {
				return err
			}
			return nil
		}
		cmds = c.sub
	}
}

// groupHelp lists a group's commands and the environment.
func groupHelp(w io.Writer, path []string, cmds map[string]command) {
	fmt.Fprintf(w, "Cách dùng: %s [--db TỆP] LỆNH ...\n\nCác lệnh:\n", strings.Join(path, " "))
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintf(w, "\nMỗi lệnh nhận --help. Thời gian nhập và hiển thị theo giờ LOAXA_TZ.\n")
	envHelp(w, nil)
}

// envHelp lists the environment variables named in names (all when nil).
func envHelp(w io.Writer, names []string) {
	fmt.Fprintf(w, "\nBiến môi trường:\n")
	for _, v := range envVars {
		if names != nil && !contains(names, v.Name) {
			continue
		}
		def := v.Default
		if def == "" {
			def = "trống"
		}
		fmt.Fprintf(w, "  %-20s %s (mặc định: %s)\n", v.Name, v.Doc, def)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
