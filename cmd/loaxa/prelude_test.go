package main

import (
	"os"
	"strings"
	"testing"
)

// TestUsageErrorsOpenNothing: for every data command, a mistake in the
// command line (an unknown flag, a missing or extra argument, a value the
// command checks itself) is exit 2 with one line, and the database is not
// even created: the prelude checks before it opens.
func TestUsageErrorsOpenNothing(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // the start of the error line
	}{
		{[]string{"db", "migrate", "--bogus"}, "loaxa db migrate: không có tùy chọn --bogus"},
		{[]string{"db", "backup"}, "loaxa db backup: thiếu tham số"},
		{[]string{"hamlet", "add", "x"}, `loaxa hamlet add: thừa tham số "x"`},
		{[]string{"hamlet", "list", "--commune"}, "loaxa hamlet list: tùy chọn --commune cần một giá trị"},
		{[]string{"hamlet", "import", "a.csv", "b.csv"}, `loaxa hamlet import: thừa tham số "b.csv"`},
		{[]string{"hamlet", "sync", "--oa", "x"}, "loaxa hamlet sync: không có tùy chọn --oa"},
		{[]string{"notice", "add", "--priority", "high"}, `loaxa notice add: --priority "high" không có`},
		{[]string{"notice", "add", "--communes", "all", "--commune", "xa-a"}, "loaxa notice add: --communes là thông báo cấp tỉnh"},
		{[]string{"notice", "list", "--limit", "0"}, "loaxa notice list: --limit 0 không hợp lệ"},
		{[]string{"notice", "show", "abc"}, `loaxa notice show: "abc" không phải số thông báo`},
		{[]string{"notice", "approve"}, "loaxa notice approve: thiếu tham số"},
		{[]string{"notice", "cancel", "0"}, `loaxa notice cancel: "0" không phải số thông báo`},
		{[]string{"notice", "retry", "1", "2"}, `loaxa notice retry: thừa tham số "2"`},
		{[]string{"notice", "edit", "x"}, `loaxa notice edit: "x" không phải số thông báo`},
		{[]string{"notice", "submit", "--draft", "1"}, "loaxa notice submit: không có tùy chọn --draft"},
		{[]string{"notice", "pause", "-1"}, "loaxa notice pause: không có tùy chọn --1"},
		{[]string{"notice", "resume", "#x"}, `loaxa notice resume: "#x" không phải số thông báo`},
		{[]string{"template", "list", "x"}, `loaxa template list: thừa tham số "x"`},
		{[]string{"user", "add", "--role", "boss"}, `loaxa user add: --role "boss" không có`},
		{[]string{"user", "list", "--province=maybe"}, `loaxa user list: giá trị "maybe" của --province không hợp lệ`},
		{[]string{"commune", "add", "--code", "xa-b"}, "loaxa commune add: cần cả --code và --name"},
		{[]string{"commune", "list", "x"}, `loaxa commune list: thừa tham số "x"`},
		{[]string{"commune", "edit", "xa-a"}, "loaxa commune edit: không có gì để đổi"},
		{[]string{"commune", "disable"}, "loaxa commune disable: thiếu tham số"},
		{[]string{"commune", "enable", "a", "b"}, `loaxa commune enable: thừa tham số "b"`},
		{[]string{"zalo", "connect"}, "loaxa zalo connect: chưa biết địa chỉ callback vì LOAXA_BASE_URL chưa đặt"},
		{[]string{"zalo", "connect", "--redirect-uri", "https://x/cb", "--refresh-token-file", "-"}, "loaxa zalo connect: chọn --redirect-uri"},
		{[]string{"zalo", "status", "x"}, `loaxa zalo status: thừa tham số "x"`},
		{[]string{"doctor", "--timeout", "0"}, "loaxa doctor: --timeout 0s không hợp lệ"},
		{[]string{"doctor", "--commune"}, "loaxa doctor: tùy chọn --commune cần một giá trị"},
	} {
		c := newCLI(t)
		out, errOut, code := c.run("", tt.args...)
		if code != 2 || !strings.HasPrefix(errOut, tt.want) || strings.Contains(errOut, "\n") || out != "" {
			t.Errorf("loaxa %s = exit %d, stderr %q, stdout %q; want exit 2 and %q…", strings.Join(tt.args, " "), code, errOut, out, tt.want)
		}
		if _, err := os.Stat(c.db); !os.IsNotExist(err) {
			t.Errorf("loaxa %s touched the database (stat: %v)", strings.Join(tt.args, " "), err)
		}
	}
}
