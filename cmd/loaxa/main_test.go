package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// cli runs loaxa with args against db, as a person would type it.
type cli struct {
	t   testing.TB
	db  string
	env map[string]string
}

func newCLI(t testing.TB) *cli {
	t.Helper()
	return &cli{t: t, db: filepath.Join(t.TempDir(), "loaxa.db"), env: map[string]string{}}
}

// run returns stdout, the stderr line(s) and the exit status.
func (c *cli) run(stdin string, args ...string) (string, string, int) {
	c.t.Helper()
	env := map[string]string{"LOAXA_DB": c.db}
	for k, v := range c.env {
		env[k] = v
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	code := exitCode(err, &errOut)
	return out.String(), strings.TrimSpace(errOut.String()), code
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("loaxa %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// counts returns the rows of the tables commands write.
func (c *cli) counts() map[string]int {
	c.t.Helper()
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	m := map[string]int{}
	for _, table := range []string{"hamlets", "notices", "users", "audit_log"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			c.t.Fatal(err)
		}
		m[table] = n
	}
	return m
}

func (c *cli) setup() {
	c.t.Helper()
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", "grp-1")
	c.ok("hamlet", "add", "--name", "Ấp Đông Hòa", "--group-id", "grp-2")
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRefusals: every refusal is one line saying what is wrong and how to
// fix it, exit status 1, and the database is unchanged.
func TestRefusals(t *testing.T) {
	badCSV := "code,name,group_id\nkhom-3,Khóm 3,grp-3\n,Khóm 4\nkhom-5,Khóm 5,grp-5\n"
	dupCSV := "code,name,group_id\n,Khóm 3,grp-3\n,Khóm 4,grp-1\n"
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"empty title", "", []string{"notice", "add", "--title", "", "--body", "Nội dung"},
			"loaxa: --title: Tiêu đề không được để trống; hãy nhập tiêu đề."},
		{"unknown hamlet code", "", []string{"notice", "add", "--title", "Họp", "--hamlets", "khom-1,khom-9"},
			`loaxa: --hamlets: Không có thôn/ấp nào mang mã "khom-9"; hãy chọn mã trong danh sách thôn/ấp.`},
		{"invalid cron spec", "", []string{"notice", "add", "--title", "Họp", "--cron", "0 7 * *"},
			`loaxa: --cron: Lịch lặp "0 7 * *" không hợp lệ; hãy dùng lịch cron 5 trường "phút giờ ngày tháng thứ" như "0 7 * * 1" (7:00 sáng thứ Hai) hoặc @daily, @weekly, @monthly`},
		{"@every refused", "", []string{"notice", "add", "--title", "Họp", "--cron", "@every 1h"},
			`loaxa: --cron: Lịch lặp "@every 1h" dùng @every, loaxa không hỗ trợ vì nó không bám theo giờ lịch; hãy dùng lịch cron 5 trường "phút giờ ngày tháng thứ" như "0 7 * * 1" (7:00 sáng thứ Hai) hoặc @daily, @weekly, @monthly`},
		{"unparseable time", "", []string{"notice", "add", "--title", "Họp", "--at", "27/11/2030 8h"},
			`loaxa: --at: Không hiểu thời điểm "27/11/2030 8h"; hãy viết dạng 2026-11-27 08:00 (giờ Asia/Ho_Chi_Minh) hoặc RFC 3339, ví dụ 2026-11-27T08:00:00+07:00.`},
		{"past publish time", "", []string{"notice", "add", "--title", "Họp", "--at", "2020-01-02 08:00"},
			"loaxa: --at: Thời điểm gửi 02/01/2020 08:00 đã qua; hãy chọn một thời điểm trong tương lai, hoặc bỏ --at để gửi ngay khi được duyệt."},
		{"past publish time in RFC 3339", "", []string{"notice", "add", "--title", "Họp", "--at", "2020-01-02T08:00:00Z"}, // said in the commune's zone
			"loaxa: --at: Thời điểm gửi 02/01/2020 15:00 đã qua; hãy chọn một thời điểm trong tương lai, hoặc bỏ --at để gửi ngay khi được duyệt."},
		{"unknown hamlet in a list filter", "", []string{"notice", "list", "--hamlet", "khom-9"},
			`loaxa: không có thôn/ấp nào mang mã "khom-9"; xem các mã bằng loaxa hamlet list`},
		{"expiry before publish", "", []string{"notice", "add", "--title", "Họp", "--at", "2030-12-01 08:00", "--expires", "2030-11-30T08:00:00+07:00"},
			"loaxa: --expires: Hạn hết hiệu lực (30/11/2030 08:00) phải sau thời điểm đăng (01/12/2030 08:00); hãy lùi hạn lại hoặc đăng sớm hơn."},
		{"update without refers-to", "", []string{"notice", "add", "--title", "Sửa", "--kind", "update"},
			"loaxa: --refers-to: Thông báo cập nhật hoặc hủy phải ghi số của thông báo gốc; hãy nhập số thông báo cần sửa hoặc hủy."},
		{"two mistakes at once", "", []string{"notice", "add", "--title", "", "--at", "mai"},
			`loaxa: --at: Không hiểu thời điểm "mai"; hãy viết dạng 2026-11-27 08:00 (giờ Asia/Ho_Chi_Minh) hoặc RFC 3339, ví dụ 2026-11-27T08:00:00+07:00. --title: Tiêu đề không được để trống; hãy nhập tiêu đề.`},
		{"duplicate group id", "", []string{"hamlet", "add", "--name", "Khóm 2", "--group-id", "grp-1"},
			`loaxa: --group-id: Nhóm Zalo "grp-1" đã gắn với Khóm 1 (khom-1); mỗi thôn/ấp cần một nhóm riêng, hãy kiểm tra lại mã nhóm.`},
		{"duplicate code", "", []string{"hamlet", "add", "--name", "Khóm 1", "--group-id", "grp-9"},
			`loaxa: --code: Mã "khom-1" đã dùng cho "Khóm 1"; hãy đặt mã khác.`},
		{"malformed CSV row", "", []string{"hamlet", "import", "@bad.csv"},
			"loaxa: @bad.csv dòng 3: có 2 cột, cần 3 (code,name,group_id); không dòng nào được nhập"},
		{"CSV row with a taken group", "", []string{"hamlet", "import", "@dup.csv"},
			`loaxa: @dup.csv dòng 3: group_id: Nhóm Zalo "grp-1" đã gắn với Khóm 1 (khom-1); mỗi thôn/ấp cần một nhóm riêng, hãy kiểm tra lại mã nhóm. Không dòng nào được nhập.`},
		{"weak password", "matkhau12345\n", []string{"user", "add", "--name", "lan", "--role", "editor"},
			"loaxa: mật khẩu: Mật khẩu này quá phổ biến hoặc ghép từ những từ dễ đoán (như «matkhau», «admin», tên xã, tên thôn); hãy chọn mật khẩu khác, ví dụ một câu ngắn chỉ bạn biết."},
		{"keyboard password", "qwertyuiop12\n", []string{"user", "add", "--name", "lan", "--role", "editor"},
			"loaxa: mật khẩu: Mật khẩu dễ đoán: có dãy phím liền nhau, dãy số/chữ liên tiếp, năm sinh hoặc ký tự lặp lại (như «qwerty», «123456», «aaaa»); hãy chọn mật khẩu khác, ví dụ một câu ngắn chỉ bạn biết."},
		{"short password", "Password1!\n", []string{"user", "add", "--name", "lan", "--role", "editor"},
			"loaxa: mật khẩu: Mật khẩu quá ngắn (10 ký tự); hãy dùng ít nhất 12 ký tự, ví dụ một câu ngắn dễ nhớ."},
		{"password is the user name", "lan.nguyen2024\n", []string{"user", "add", "--name", "lan.nguyen", "--role", "editor"},
			"loaxa: mật khẩu: Mật khẩu không được dựa trên tên đăng nhập; hãy chọn mật khẩu khác."},
		{"approve own notice", "", []string{"notice", "approve", "1"},
			"loaxa: Người duyệt không được là người viết thông báo (cli); hãy nhờ người khác duyệt. Hoặc dùng --as TÊN_NGƯỜI_DUYỆT, hoặc đặt LOAXA_SELF_APPROVE=1"},
		{"unknown notice", "", []string{"notice", "show", "42"},
			"loaxa: không có thông báo số 42; xem số bằng loaxa notice list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			c.setup()
			c.ok("notice", "add", "--title", "Họp thôn", "--body", "Tối nay 19h")
			args := append([]string(nil), tt.args...)
			want := tt.want
			for i, a := range args {
				if a == "@bad.csv" || a == "@dup.csv" {
					content := map[string]string{"@bad.csv": badCSV, "@dup.csv": dupCSV}[a]
					args[i] = writeFile(t, strings.TrimPrefix(a, "@"), content)
					want = strings.ReplaceAll(want, a, args[i])
				}
			}
			before := c.counts()
			out, errOut, code := c.run(tt.stdin, args...)
			if code != 1 || errOut != want {
				t.Errorf("loaxa %s\n exit %d, stderr %q\nwant exit 1, stderr %q", strings.Join(tt.args, " "), code, errOut, want)
			}
			if strings.Contains(errOut, "\n") {
				t.Errorf("stderr has more than one line: %q", errOut)
			}
			if out != "" {
				t.Errorf("stdout = %q; want nothing", out)
			}
			if after := c.counts(); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after refusal = %v; want unchanged %v", after, before)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	c := newCLI(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `loaxa: không có lệnh "bogus"; xem loaxa --help`},
		{[]string{"notice", "frob"}, `loaxa notice: không có lệnh "frob"; xem loaxa notice --help`},
		{[]string{"notice", "add", "--titel", "x"}, "loaxa notice add: không có tùy chọn --titel; xem loaxa notice add --help"},
		{[]string{"notice", "show"}, "loaxa notice show: thiếu tham số; cách dùng: loaxa notice show SỐ"},
		{[]string{"notice", "show", "abc"}, `loaxa notice show: "abc" không phải số thông báo; xem số bằng loaxa notice list`},
		{[]string{"notice", "list", "--status", "sent"}, `loaxa notice list: không có trạng thái "sent"; hãy chọn draft, pending, approved, done, rejected, cancelled hoặc expired`},
		{[]string{"notice", "list", "--limit", "0"}, "loaxa notice list: --limit 0 không hợp lệ; hãy cho một số từ 1 trở lên"},
		{[]string{"hamlet", "import"}, "loaxa hamlet import: thiếu tham số; cách dùng: loaxa hamlet import TỆP.csv"},
		{[]string{"--db"}, "loaxa: --db cần một đường dẫn"},
		{[]string{"zalosim", "--latency", "50ms±100ms"}, `loaxa zalosim: --latency "50ms±100ms": the jitter (100ms) is larger than the latency (50ms)`},
		{[]string{"zalosim", "--latency", "250"}, `loaxa zalosim: --latency "250": want a duration such as 250ms, optionally ±50ms`},
	}
	for _, tt := range tests {
		_, errOut, code := c.run("", tt.args...)
		if lines := strings.Split(errOut, "\n"); code != 2 || lines[len(lines)-1] != tt.want {
			t.Errorf("loaxa %s = exit %d, %q; want exit 2, %q", strings.Join(tt.args, " "), code, errOut, tt.want)
		}
	}
}

func TestHelp(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"hamlet", "--help"}, {"notice", "add", "--help"}, {"notice", "show", "-h"},
		{"user", "add", "--help"}, {"db", "backup", "--help"}, {"hamlet", "import", "--help"},
	} {
		out, errOut, code := c.run("", args...)
		if code != 0 || errOut != "" || !strings.Contains(out, "Cách dùng") || !strings.Contains(out, "LOAXA_DB") {
			t.Errorf("loaxa %s = exit %d, stderr %q, stdout %q; want usage with the environment", strings.Join(args, " "), code, errOut, out)
		}
	}
	out := c.ok("--help")
	for _, v := range envVars {
		if !strings.Contains(out, v.Name) {
			t.Errorf("loaxa --help does not list %s", v.Name)
		}
	}
	if _, err := os.Stat(c.db); err == nil {
		t.Error("--help created the database")
	}
}

// TestWorkflow goes through a notice's life on the command line.
func TestWorkflow(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_QUIET_HOURS"] = "off" // "sẽ gửi ngay" whenever the test runs
	csv := writeFile(t, "hamlets.csv", "\ufeffcode,name,group_id\n,Khóm 1,grp-1\nap-dh,Ấp Đông Hòa,grp-2\n\"thon-3\",\"Thôn 3, mới\",grp-3\n")
	if out := c.ok("hamlet", "import", csv); !strings.HasPrefix(out, "Đã nhập 3 thôn/ấp từ "+csv+".\n") ||
		!strings.Contains(out, "3 nhóm chưa kiểm tra") {
		t.Errorf("import = %q", out)
	}
	out := c.ok("hamlet", "list")
	for _, want := range []string{"khom-1", "Ấp Đông Hòa", "Thôn 3, mới", "grp-3"} {
		if !strings.Contains(out, want) {
			t.Errorf("hamlet list lacks %q:\n%s", want, out)
		}
	}
	// --db after the subcommand, and before it.
	other := filepath.Join(t.TempDir(), "other.db")
	c.ok("hamlet", "add", "--name", "Khóm 9", "--group-id", "g9", "--db", other)
	if out := c.ok("--db", other, "hamlet", "list"); !strings.Contains(out, "khom-9") || strings.Contains(out, "ap-dh") {
		t.Errorf("--db %s hamlet list = %q", other, out)
	}

	out = c.ok("notice", "add", "--title", "Tiêm phòng", "--body", "Sáng Chủ nhật", "--hamlets", "khom-1,ap-dh",
		"--at", "2030-12-01 07:00", "--expires", "2030-12-01T11:00:00+07:00", "--priority", "urgent")
	if out != "Đã tạo thông báo số 1: đang chờ duyệt (loaxa notice approve 1).\n" {
		t.Errorf("notice add = %q", out)
	}
	if out := c.ok("notice", "approve", "1", "--as", "hoa"); out != "Đã duyệt thông báo số 1; sẽ gửi lúc 2030-12-01 07:00.\n" {
		t.Errorf("notice approve = %q", out)
	}
	out = c.ok("notice", "show", "1")
	for _, want := range []string{"Thông báo số 1: Tiêm phòng", "đã duyệt", "2030-12-01 07:00", "2030-12-01 11:00", "Gửi tới:         Khóm 1, Ấp Đông Hòa\n",
		"Người duyệt:     hoa", "ap-dh", "chưa đến lượt"} {
		if !strings.Contains(out, want) {
			t.Errorf("notice show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "thon-3") {
		t.Errorf("notice show lists a hamlet it does not target:\n%s", out)
	}
	c.ok("notice", "add", "--title", "Thu gom rác", "--cron", "@weekly", "--priority", "low")
	if out := c.ok("notice", "list", "--status", "pending"); !strings.Contains(out, "Thu gom rác") || strings.Contains(out, "Tiêm phòng") {
		t.Errorf("notice list --status pending =\n%s", out)
	}
	if out := c.ok("notice", "retry", "1"); out != "Thông báo số 1 không có tin nào bị lỗi.\n" {
		t.Errorf("notice retry = %q", out)
	}
	markSent(t, c.db, 1) // as the daemon would have, so that it may be withdrawn
	if out := c.ok("notice", "cancel", "1", "--reason", "Hoãn"); out != "Đã hủy thông báo số 1; bỏ 0 tin chưa gửi.\n" {
		t.Errorf("notice cancel = %q", out)
	}
	out = c.ok("notice", "add", "--title", "Hủy lịch tiêm", "--kind", "cancel", "--refers-to", "1", "--approve")
	if out != "Đã tạo thông báo số 3: đã duyệt, sẽ gửi ngay.\n" {
		t.Errorf("cancel notice = %q", out)
	}
	if out := c.ok("notice", "show", "3"); !strings.Contains(out, "Gửi tới:         Khóm 1, Ấp Đông Hòa\n") {
		t.Errorf("a cancel notice does not go to the original's hamlets:\n%s", out)
	}
	if _, errOut, code := c.run("", "notice", "retry", "1"); code == 0 || !strings.Contains(errOut, "đã bị hủy bằng thông báo số 3") {
		t.Errorf("notice retry of a withdrawn notice = %d %q; want refused, naming the withdrawal", code, errOut)
	}
	c.env["LOAXA_SELF_APPROVE"] = "1"
	c.ok("notice", "approve", "2")
}

func TestUsers(t *testing.T) {
	c := newCLI(t)
	if out, errOut, code := c.run("mưa chiều nay to\n", "user", "add", "--name", "hoa", "--role", "approver", "--display-name", "Chị Hoa"); code != 0 {
		t.Fatalf("user add from stdin: %d %s", code, errOut)
	} else if out != "Đã thêm tài khoản hoa (approver).\n" {
		t.Errorf("user add = %q", out)
	}
	pw := writeFile(t, "pw", "nắng sớm trên đồng\n")
	c.ok("user", "add", "--name", "lan", "--role", "editor", "--password-file", pw)
	out := c.ok("user", "list")
	if !strings.Contains(out, "hoa") || !strings.Contains(out, "Chị Hoa") || !strings.Contains(out, "editor") {
		t.Errorf("user list =\n%s", out)
	}
	_, errOut, code := c.run("", "user", "add", "--name", "binh", "--role", "editor")
	if code != 1 || !strings.Contains(errOut, "chưa có mật khẩu") {
		t.Errorf("user add without a password = %d %q", code, errOut)
	}
}

func TestDB(t *testing.T) {
	c := newCLI(t)
	files, err := filepath.Glob("../../notices/migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	var applied string
	for _, f := range files {
		applied += "Đã áp dụng " + filepath.Base(f) + ".\n"
	}
	latest := notices.LatestSchema()
	if out := c.ok("db", "migrate"); out != applied+"Cơ sở dữ liệu "+c.db+" giờ ở phiên bản "+strconv.Itoa(latest)+".\n" {
		t.Errorf("first db migrate = %q", out)
	}
	if out := c.ok("db", "migrate"); out != "Cơ sở dữ liệu "+c.db+" đã ở phiên bản mới nhất ("+strconv.Itoa(latest)+").\n" {
		t.Errorf("second db migrate = %q", out)
	}
	c.setup()
	dest := filepath.Join(t.TempDir(), "backup.db")
	c.ok("db", "backup", dest)
	if out := c.ok("--db", dest, "hamlet", "list"); !strings.Contains(out, "ap-dong-hoa") {
		t.Errorf("backup lacks the hamlets:\n%s", out)
	}
	if _, errOut, code := c.run("", "db", "backup", dest); code != 1 || !strings.Contains(errOut, "không sao lưu được") {
		t.Errorf("backup over an existing file = %d %q", code, errOut)
	}

	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	want := "loaxa: cơ sở dữ liệu " + c.db + " ở phiên bản lược đồ 99, mới hơn bản loaxa này (chỉ biết đến " +
		strconv.Itoa(latest) + "); hãy nâng cấp loaxa"
	if _, errOut, code := c.run("", "hamlet", "list"); code != 1 || errOut != want {
		t.Errorf("newer schema: exit %d, %q; want 1, %q", code, errOut, want)
	}
}

func TestConfig(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.DB != "loaxa.db" || cfg.HTTPAddr != "127.0.0.1:8080" || cfg.Location.String() != "Asia/Ho_Chi_Minh" ||
		cfg.Quiet.Start != 21*60 || cfg.Quiet.End != 6*60 || !cfg.Quiet.On || cfg.MaxLateness.Hours() != 1 ||
		cfg.PollInterval.Seconds() != 1 || cfg.SelfApprove || len(cfg.Bulletin) != 1 || cfg.LogFormat != "json" ||
		cfg.ZaloAPIBase != "https://openapi.zalo.me" || cfg.ZaloOAuthBase != "https://oauth.zaloapp.com" || cfg.SendConc != 0 {
		t.Errorf("defaults = %+v", cfg)
	}
	secret := writeFile(t, "secret", "s3cret\n")
	env := map[string]string{"LOAXA_QUIET_HOURS": "off", "LOAXA_SELF_APPROVE": "1", "LOAXA_BULLETIN": "30 6 * * *; 0 17 * * 1-5",
		"ZALO_APP_ID": "123", "ZALO_APP_SECRET_FILE": secret, "ZALO_RATE_PER_MIN": "100", "LOAXA_TZ": "Asia/Bangkok",
		"LOAXA_SEND_CONCURRENCY": "16"}
	cfg, err = loadConfig(func(k string) string { return env[k] })
	if err != nil || cfg.Quiet.On || !cfg.SelfApprove || len(cfg.Bulletin) != 2 || cfg.ZaloAppSecret != "s3cret" ||
		cfg.ZaloRatePerMin != 100 || cfg.Location.String() != "Asia/Bangkok" || cfg.SendConc != 16 {
		t.Errorf("loadConfig(%v) = %+v, %v", env, cfg, err)
	}
	// LOAXA_BULLETIN is read once, in LOAXA_TZ, and the daemon and the
	// CLI's rules share that reading; so are the quiet hours.
	noon := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) // 12:00 in Bangkok
	if len(cfg.Slots) != 2 || !cfg.Slots[1].Next(noon).Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)) ||
		cfg.rules().Bulletin[0].Next(noon) != cfg.Slots[0].Next(noon) || cfg.Quiet.Location() != cfg.Location {
		t.Errorf("bulletin slots %+v, quiet hours in %v: want 17:00 Bangkok (10:00 UTC) next, and Bangkok", cfg.Slots, cfg.Quiet.Location())
	}
	env = map[string]string{"LOAXA_BASE_URL": "https://loa.xaanphu.gov.vn/", "LOAXA_TRUST_PROXY": "127.0.0.1, 10.0.0.0/8 ::1",
		"LOAXA_SESSION_IDLE": "30m", "LOAXA_METRICS_TOKEN_FILE": secret, "LOAXA_LOGIN_ADDR_FAILURES": "60"}
	cfg, err = loadConfig(func(k string) string { return env[k] })
	if err != nil || cfg.BaseURL != "https://loa.xaanphu.gov.vn" || len(cfg.TrustProxy) != 3 ||
		cfg.SessionIdle != 30*time.Minute || cfg.MetricsToken != "s3cret" || cfg.AddrFailures != 60 {
		t.Errorf("loadConfig(%v) = %+v, %v", env, cfg, err)
	}
	var logged bytes.Buffer
	lg := zerolog.New(&logged)
	lg.Info().Object("config", cfg).Msg("")
	if strings.Contains(logged.String(), "s3cret") {
		t.Errorf("the metrics token is logged: %s", logged.String())
	}
	for k, v := range map[string]string{"LOAXA_TZ": "Mars/Base", "LOAXA_QUIET_HOURS": "21-6", "LOAXA_MAX_LATENESS": "1 giờ",
		"LOAXA_POLL_INTERVAL": "1ms", "LOAXA_BULLETIN": "@every 1h", "LOAXA_LOG_FORMAT": "xml", "LOAXA_SELF_APPROVE": "yes",
		"ZALO_RATE_PER_MIN": "nhiều", "LOAXA_HTTP_ADDR": "8080", "ZALO_API_BASE": "openapi.zalo.me", "ZALO_APP_ID": "1",
		"LOAXA_BASE_URL": "loa.xaanphu.gov.vn", "LOAXA_TRUST_PROXY": "nginx", "LOAXA_SESSION_IDLE": "30s",
		"LOAXA_SEND_CONCURRENCY": "300", "LOAXA_LOGIN_ADDR_FAILURES": "0"} {
		if _, err := loadConfig(func(name string) string { return map[string]string{k: v}[name] }); err == nil {
			t.Errorf("loadConfig(%s=%q) = nil error; want a refusal", k, v)
		} else if !strings.Contains(err.Error(), k) {
			t.Errorf("loadConfig(%s=%q) error %q does not name the variable", k, v, err)
		}
	}
}
