package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// Helpers of the daemon-level province benchmarks (province_bench_test.go):
// a database of n communes, each with its hamlets on the groups of its
// own simulated OA, set up with the commands an operator types, and
// `loaxa serve` running as its own process against it.

// provinceOf is a database of len(oas) communes, the i-th on oas[i]'s
// groups (hamlets ap-1…), each connected with its own refresh token by
// `loaxa zalo connect --commune C --refresh-token-file -`, and given its
// OA's package limit with --rate-per-min when the OA has one. It returns
// the communes' codes, in the order of oas. The daemon runs with its
// production poll interval (LOAXA_POLL_INTERVAL's default) and no quiet
// hours.
func provinceOf(tb testing.TB, sim *zalosimtest.Server, oas []zalosim.OA) (*cli, []string) {
	tb.Helper()
	c := simCLI(tb, sim)
	delete(c.env, "ZALO_REFRESH_TOKEN")
	delete(c.env, "LOAXA_POLL_INTERVAL")
	c.env["LOAXA_COMMUNE"] = "UBND xã 1"
	c.env["LOAXA_PROVINCE"] = "UBND tỉnh An Giang"
	codes := make([]string, len(oas))
	for i, oa := range oas {
		codes[i] = fmt.Sprintf("xa-%d", i+1)
		rate := strconv.Itoa(oa.RatePerMin)
		if i > 0 {
			c.ok("commune", "add", "--code", codes[i], "--name", fmt.Sprintf("UBND xã %d", i+1), "--rate-per-min", rate)
		} else if oa.RatePerMin > 0 {
			c.ok("commune", "edit", codes[i], "--rate-per-min", rate)
		}
		var csv strings.Builder
		csv.WriteString("code,name,group_id\n")
		for j, g := range oa.Groups {
			fmt.Fprintf(&csv, "ap-%d,Ấp %d,%s\n", j+1, j+1, g.ID)
		}
		c.ok("hamlet", "import", "--commune", codes[i], writeFile(tb, codes[i]+".csv", csv.String()))
		if out, errOut, rc := c.run(sim.OAs[i].RefreshToken+"\n", "zalo", "connect", "--commune", codes[i], "--refresh-token-file", "-"); rc != 0 {
			tb.Fatalf("zalo connect --commune %s = %d %s %s", codes[i], rc, out, errOut)
		}
	}
	if got := strings.Count(c.ok("commune", "list"), "\n"); got < len(oas) {
		tb.Fatalf("commune list has %d lines; want one per commune (%d)", got, len(oas))
	}
	return c, codes
}

var listening = regexp.MustCompile(`"addr":"(http://[^"]+)"[^\n]*"message":"admin site listening"`)

// waitListening waits until the daemon logging to logPath says its site
// listens, and returns the site's base URL.
func waitListening(tb testing.TB, p *daemonProc, logPath string) string {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		if m := listening.FindSubmatch(b); m != nil {
			return string(m[1])
		}
		if p.cmd.ProcessState != nil || time.Now().After(deadline) {
			p.kill(tb)
			tb.Fatalf("loaxa serve did not start in 30 s:\n%s", tail(string(b), 20))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// procCPU is the CPU time (user and system) process pid has used, from
// /proc/PID/stat (utime and stime, in clock ticks of 1/100 s on Linux).
func procCPU(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		tb.Fatal(err)
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// the fields counted from 3 start after the last ')'.
	fields := strings.Fields(line[strings.LastIndexByte(line, ')')+1:])
	utime, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		tb.Fatalf("read /proc/%d/stat: %q", pid, line)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// siteApprover is a province approver signed in to the site of the
// daemon at base, as `user add --province --role approver` made them.
type siteApprover struct {
	tb   testing.TB
	cl   *http.Client
	base string
}

func provinceApprover(tb testing.TB, c *cli, base string) *siteApprover {
	tb.Helper()
	const pw = "song-hau-dang-cao-luc-chieu"
	c.ok("user", "add", "--province", "--name", "tinh.duyet", "--role", "approver", "--password-file", writeFile(tb, "pw", pw+"\n"))
	a := &siteApprover{tb: tb, cl: &http.Client{Jar: newJar(tb)}, base: base}
	if page := login(tb, a.cl, base, "tinh.duyet", pw); strings.Contains(page, `name="password"`) {
		tb.Fatalf("signing in as tinh.duyet landed on:\n%s", tail(page, 30))
	}
	return a
}

var (
	csrfField    = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	versionField = regexp.MustCompile(`name="version" value="([^"]+)"`)
)

// open reads the confirmation page of notice id's approval: its form's
// fields, so that approve's POST is only the click.
func (a *siteApprover) open(id int64) url.Values {
	a.tb.Helper()
	resp, err := a.cl.Get(fmt.Sprintf("%s/notices/%d/approve", a.base, id))
	if err != nil {
		a.tb.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf, ver := csrfField.FindSubmatch(body), versionField.FindSubmatch(body)
	if csrf == nil || ver == nil {
		a.tb.Fatalf("no csrf_token or version on the approval page of notice %d:\n%s", id, tail(string(body), 30))
	}
	return url.Values{"csrf_token": {html.UnescapeString(string(csrf[1]))}, "version": {html.UnescapeString(string(ver[1]))}}
}

// approve clicks «Xác nhận duyệt và cho gửi» on the page open read.
func (a *siteApprover) approve(id int64, form url.Values) {
	a.tb.Helper()
	resp, err := a.cl.PostForm(fmt.Sprintf("%s/notices/%d/approve", a.base, id), form)
	if err != nil {
		a.tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// noticeStatus is the status of the notice titled title.
func noticeStatus(tb testing.TB, c *cli, title string) (int64, string) {
	tb.Helper()
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var id int64
	var status string
	if err := db.QueryRow(`SELECT id, status FROM notices WHERE title = ?`, title).Scan(&id, &status); err != nil {
		tb.Fatalf("notice %q: %v", title, err)
	}
	return id, status
}
