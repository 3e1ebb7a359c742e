package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// doctor runs `loaxa doctor --json` and returns its report and exit status.
func (c *cli) doctor() (doctorReport, int) {
	c.t.Helper()
	out, errOut, code := c.run("", "doctor", "--json", "--timeout", "20s")
	var rep doctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		c.t.Fatalf("doctor --json: %v (exit %d, stderr %q):\n%s", err, code, errOut, out)
	}
	if code == 0 && !rep.OK || code != 0 && rep.OK {
		c.t.Errorf("doctor: exit %d but ok=%v", code, rep.OK)
	}
	return rep, code
}

// want asserts that a check called name has status and, if given, a
// message containing text.
func (rep doctorReport) want(t *testing.T, name, status, text string) {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Name == name && c.Status == status && strings.Contains(c.Message+" "+c.Fix, text) {
			return
		}
	}
	t.Errorf("no check %s with status %s mentioning %q in:\n%s", name, status, text, rep.dump())
}

func (rep doctorReport) noFailures(t *testing.T) {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Status == checkFail {
			t.Errorf("unexpected failure %s: %s", c.Name, c.Message)
		}
	}
}

func (rep doctorReport) dump() string {
	var b strings.Builder
	for _, c := range rep.Checks {
		b.WriteString("  " + c.Status + " " + c.Name + ": " + c.Message + "\n")
	}
	return b.String()
}

// freePort returns an address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitConnected waits until the daemon at base has its first token pair:
// a command started before would spend the same single-use refresh token.
func waitConnected(t *testing.T, base string) {
	t.Helper()
	waitFor(t, "the daemon to connect to Zalo", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// healthySetup is a connected OA with its groups as hamlets and the daemon
// serving; the doctor's LOAXA_HTTP_ADDR is the daemon's.
func healthySetup(t *testing.T, opts ...zalosim.Option) (*zalosimtest.Server, *cli, string) {
	sim := zalosimtest.New(t, opts...)
	c := simCLI(t, sim)
	c.env["ZALO_OA_SECRET"] = "oa-secret"
	base, _, _ := c.serve() // stores ZALO_REFRESH_TOKEN and connects
	waitConnected(t, base)
	c.ok("hamlet", "sync")
	c.env["LOAXA_HTTP_ADDR"] = strings.TrimPrefix(base, "http://")
	return sim, c, base
}

func TestDoctorHealthyInstall(t *testing.T) {
	_, c, _ := healthySetup(t)
	rep, code := c.doctor()
	if code != 0 {
		t.Fatalf("doctor exit %d on a healthy install:\n%s", code, rep.dump())
	}
	rep.noFailures(t)
	rep.want(t, "config.parse", checkOK, "")
	rep.want(t, "database.integrity", checkOK, "")
	rep.want(t, "database.schema", checkOK, "")
	rep.want(t, "database.hamlets", checkOK, "3 thôn/ấp")
	rep.want(t, "database.instance", checkOK, fmt.Sprintf("loaxa serve đang chạy với cơ sở dữ liệu này: pid %d", os.Getpid()))
	rep.want(t, "clock.skew", checkOK, "lệch")
	rep.want(t, "clock.zone", checkOK, "Asia/Ho_Chi_Minh")
	rep.want(t, "zalo.live", checkOK, "3 nhóm")
	rep.want(t, "zalo.groups", checkOK, "cả 3")
	rep.want(t, "zalo.refresh_token", checkOK, "")
	rep.want(t, "zalo.rate", checkOK, "")
	rep.want(t, "service.health", checkOK, "khỏe")
	// Without LOAXA_BASE_URL the site is for this machine only: said, not failed.
	rep.want(t, "config.base_url", checkWarn, "LOAXA_BASE_URL")

	// The text form says the same, in Vietnamese, with the same status.
	out, _, code := c.run("", "doctor")
	if code != 0 || !strings.Contains(out, "Kết quả: không có lỗi") || !strings.Contains(out, "[ OK ]") {
		t.Errorf("doctor text, exit %d:\n%s", code, out)
	}
}

func TestDoctorFreshDatabaseChangesNothing(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_HTTP_ADDR"] = freePort(t)
	rep, code := c.doctor()
	if code != 1 {
		t.Fatalf("doctor exit %d without a database; want 1", code)
	}
	rep.want(t, "database.path", checkFail, "loaxa db migrate")
	rep.want(t, "config.zalo_app", checkFail, "ZALO_APP_ID")
	rep.want(t, "service.health", checkWarn, "systemctl start loaxa")
	if _, err := os.Stat(c.db); !os.IsNotExist(err) {
		t.Errorf("doctor created the database %s (stat: %v); it must change nothing", c.db, err)
	}

	// Created but empty: no hamlets, no token.
	sim := zalosimtest.New(t)
	c = simCLI(t, sim)
	delete(c.env, "ZALO_REFRESH_TOKEN")
	c.env["LOAXA_HTTP_ADDR"] = freePort(t)
	c.ok("db", "migrate")
	rep, code = c.doctor()
	if code != 1 {
		t.Fatalf("doctor exit %d with no token; want 1", code)
	}
	rep.want(t, "database.hamlets", checkWarn, "loaxa hamlet sync")
	rep.want(t, "database.instance", checkWarn, "không có tiến trình loaxa serve/demo")
	rep.want(t, "zalo.token", checkFail, "loaxa zalo connect")
	rep.want(t, "clock.skew", checkOK, "")

	// With ZALO_REFRESH_TOKEN set, the first start will store it: a warning.
	c.env["ZALO_REFRESH_TOKEN"] = sim.RefreshToken
	rep, _ = c.doctor()
	rep.want(t, "zalo.token", checkWarn, "khởi động lần đầu")
	if got := sim.Stats().Refreshes; got != 0 {
		t.Errorf("doctor spent the refresh token from the environment (%d refreshes)", got)
	}
}

func TestDoctorSimulatorDown(t *testing.T) {
	sim, c, _ := healthySetup(t)
	sim.HTTP.Close()
	rep, code := c.doctor()
	if code != 1 {
		t.Fatalf("doctor exit %d with Zalo unreachable; want 1", code)
	}
	rep.want(t, "zalo.live", checkFail, "Internet")
	rep.want(t, "clock.skew", checkWarn, "không so được")
}

func TestDoctorRefusedRefreshToken(t *testing.T) {
	sim, c, _ := healthySetup(t)
	sim.RevokeRefreshToken()
	sim.ExpireAccessTokens()
	rep, code := c.doctor()
	if code != 1 {
		t.Fatalf("doctor exit %d with a refused refresh token; want 1", code)
	}
	rep.want(t, "zalo.live", checkFail, "kết nối lại OA")
	// The running daemon finds out at its next call, and doctor passes its word on.
	c.ok("notice", "add", "--title", "Họp", "--body", "Họp tối nay.", "--approve")
	waitFor(t, "the daemon's /healthz to turn unhealthy", func() bool {
		rep, _ = c.doctor()
		for _, ch := range rep.Checks {
			if ch.Name == "service.health" && ch.Status == checkFail {
				return true
			}
		}
		return false
	})
	rep.want(t, "service.health", checkFail, "loaxa zalo connect")
	rep.want(t, "zalo.live", checkFail, "kết nối lại OA")
}

func TestDoctorRateLimitBelowConfigured(t *testing.T) {
	_, c, _ := healthySetup(t, zalosim.WithRatePerMin(100))
	rep, code := c.doctor()
	if code != 1 {
		t.Fatalf("doctor exit %d with ZALO_RATE_PER_MIN above Zalo's limit; want 1", code)
	}
	rep.want(t, "zalo.rate", checkFail, "ZALO_RATE_PER_MIN=100")
	c.env["ZALO_RATE_PER_MIN"] = "100"
	rep, _ = c.doctor()
	rep.want(t, "zalo.rate", checkOK, "giới hạn của Zalo 100")
}

func TestDoctorGroupsAndPackages(t *testing.T) {
	now := time.Now()
	sim := zalosimtest.New(t, zalosim.WithGroups(
		zalosim.Group{ID: "g-tot", Name: "Khóm Tốt"},
		zalosim.Group{ID: "g-sap-het", Name: "Khóm Sắp Hết", ValidThrough: now.Add(3 * 24 * time.Hour)},
		zalosim.Group{ID: "g-tat", Name: "Khóm Tắt"},
		zalosim.Group{ID: "g-het", Name: "Khóm Hết Hạn"},
	))
	c := simCLI(t, sim)
	base, _, stop := c.serve() // stores ZALO_REFRESH_TOKEN and connects
	waitConnected(t, base)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	c.env["LOAXA_HTTP_ADDR"] = freePort(t)
	c.ok("hamlet", "sync")
	// Groups that went wrong after their hamlets were added (a disabled
	// group or an expired package is refused at add): the doctor finds them.
	sim.AddGroup(zalosim.Group{ID: "g-tat", Name: "Khóm Tắt", Disabled: true, ValidThrough: now.AddDate(0, 1, 0)}) // disabled, package paid
	sim.AddGroup(zalosim.Group{ID: "g-het", Name: "Khóm Hết Hạn", ValidThrough: now.Add(-48 * time.Hour)})         // Zalo gives the last valid day
	// A hamlet whose group the OA has left (hamlet add refuses it now).
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO hamlets (code, name, group_id) VALUES ('ap-lac', 'Ấp Lạc', 'g-khong-co')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rep, code := c.doctor()
	if code != 1 {
		t.Fatalf("doctor exit %d with broken groups; want 1", code)
	}
	rep.want(t, "zalo.group", checkFail, "Ấp Lạc (ap-lac, nhóm g-khong-co): OA không ở trong nhóm")
	rep.want(t, "zalo.group", checkFail, "Khóm Tắt")
	rep.want(t, "zalo.package", checkWarn, "Khóm Sắp Hết")
	rep.want(t, "zalo.package", checkFail, "Khóm Hết Hạn (khom-het-han, nhóm g-het): gói GMF đã hết hạn")
	rep.want(t, "zalo.groups", checkFail, "3 thôn/ấp có nhóm không gửi được, 2 thôn/ấp tốt")
	for _, ch := range rep.Checks {
		if strings.Contains(ch.Message, "Khóm Tốt") {
			t.Errorf("the good group is reported: %s %s", ch.Status, ch.Message)
		}
	}
}

func TestDoctorConfigurationErrors(t *testing.T) {
	c := newCLI(t)
	c.env["LOAXA_HTTP_ADDR"] = freePort(t)
	c.env["LOAXA_POLL_INTERVAL"] = "chậm"
	c.env["LOAXA_TZ"] = "Sao/Hỏa"
	c.env["LOAXA_BASE_URL"] = "loa.xaanphu.gov.vn"
	rep, code := c.doctor()
	if code != 1 {
		t.Fatalf("exit %d; want 1", code)
	}
	rep.want(t, "config.parse", checkFail, "LOAXA_POLL_INTERVAL")
	rep.want(t, "config.base_url", checkFail, "https://loa.xaanphu.gov.vn")
	rep.want(t, "clock.zone", checkFail, "LOAXA_TZ")
}

func TestDoctorBaseURLAndProxy(t *testing.T) {
	for _, tc := range []struct {
		name, base, trust, addr, status, text string
	}{
		{"proxy on this machine", "https://loa.xa.vn", "127.0.0.1", "127.0.0.1:8080", checkOK, "proxy tin cậy"},
		{"proxy not trusted", "https://loa.xa.vn", "", "127.0.0.1:8080", checkWarn, "LOAXA_TRUST_PROXY=127.0.0.1"},
		{"listening everywhere", "https://loa.xa.vn", "", "0.0.0.0:8080", checkWarn, "vòng qua proxy"},
		{"plain http", "http://loa.xa.vn", "127.0.0.1", "127.0.0.1:8080", checkWarn, "https"},
		{"with a path", "https://loa.xa.vn/loaxa", "", "127.0.0.1:8080", checkFail, "không có đường dẫn"},
		{"no base, public port", "", "", "0.0.0.0:8080", checkWarn, "không TLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"LOAXA_BASE_URL": tc.base, "LOAXA_TRUST_PROXY": tc.trust}
			getenv := func(k string) string { return vars[k] }
			d := &doctor{e: &env{getenv: getenv}, cfg: Config{HTTPAddr: tc.addr}}
			d.checkBaseURL(getenv)
			doctorReport{Checks: d.checks}.want(t, "config.base_url", tc.status, tc.text)
		})
	}
}

func TestDoctorWebhookFromOutside(t *testing.T) {
	_, c, base := healthySetup(t)
	c.env["LOAXA_BASE_URL"] = base
	c.env["LOAXA_TRUST_PROXY"] = "127.0.0.1"
	rep, _ := c.doctor()
	rep.want(t, "webhook.public", checkOK, "tới được loaxa từ bên ngoài (phiên bản "+currentBuild().String())
	// This build has no POST /zalo/webhook yet: doctor must say so, not pass it.
	resp, err := http.Post(base+"/zalo/webhook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		rep.want(t, "webhook.path", checkFail, "Zalo sẽ không gửi được sự kiện")
	} else {
		rep.want(t, "webhook.path", checkOK, "từ chối sự kiện không có chữ ký")
	}

	// The public address leads nowhere: the proxy is down.
	c.env["LOAXA_BASE_URL"] = "http://" + freePort(t)
	rep, code := c.doctor()
	if code != 1 {
		t.Fatalf("exit %d with the public address down; want 1", code)
	}
	rep.want(t, "webhook.public", checkFail, "DNS")
}

func TestDoctorDatabaseProblems(t *testing.T) {
	t.Run("readable by others", func(t *testing.T) {
		c := newCLI(t)
		c.env["LOAXA_HTTP_ADDR"] = freePort(t)
		c.ok("db", "migrate")
		if err := os.Chmod(c.db, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, _ := c.doctor()
		rep.want(t, "database.permissions", checkWarn, "chmod 600")
	})
	t.Run("damaged", func(t *testing.T) {
		c := newCLI(t)
		c.env["LOAXA_HTTP_ADDR"] = freePort(t)
		if err := os.WriteFile(c.db, []byte(strings.Repeat("không phải SQLite ", 400)), 0o600); err != nil {
			t.Fatal(err)
		}
		rep, code := c.doctor()
		if code != 1 {
			t.Fatalf("exit %d; want 1", code)
		}
		rep.want(t, "database.integrity", checkFail, "/var/backups/loaxa")
	})
	t.Run("older schema", func(t *testing.T) {
		c := newCLI(t)
		c.env["LOAXA_HTTP_ADDR"] = freePort(t)
		c.ok("db", "migrate")
		db, err := sql.Open("sqlite3", c.db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM schema_migrations`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		rep, _ := c.doctor()
		rep.want(t, "database.schema", checkWarn, "loaxa db migrate")
		// doctor itself did not migrate it.
		db, _ = sql.Open("sqlite3", c.db)
		defer db.Close()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != 0 {
			t.Errorf("doctor changed schema_migrations: %d rows, %v", n, err)
		}
	})
	t.Run("newer schema", func(t *testing.T) {
		c := newCLI(t)
		c.env["LOAXA_HTTP_ADDR"] = freePort(t)
		c.ok("db", "migrate")
		db, err := sql.Open("sqlite3", c.db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		rep, code := c.doctor()
		if code != 1 {
			t.Fatalf("exit %d; want 1", code)
		}
		rep.want(t, "database.schema", checkFail, "999")
	})
}

func TestDoctorClockSkew(t *testing.T) {
	sim := zalosimtest.New(t)
	for _, tc := range []struct {
		skew   time.Duration
		status string
	}{{0, checkOK}, {-45 * time.Second, checkWarn}, {5 * time.Minute, checkFail}} {
		e := &env{getenv: func(k string) string {
			return map[string]string{"ZALO_API_BASE": sim.URL}[k]
		}, db: "loaxa.db"}
		d := &doctor{e: e, now: func() time.Time { return time.Now().Add(tc.skew) }, http: http.DefaultClient}
		d.checkConfig()
		d.checkSkew(context.Background())
		rep := doctorReport{Checks: d.checks}
		rep.want(t, "clock.skew", tc.status, "lệch")
	}
}

// A doctor run beside the daemon must not spend the single-use refresh
// token ahead of time: only the daemon refreshes before expiry.
func TestDoctorDoesNotRefreshAhead(t *testing.T) {
	sim, c, _ := healthySetup(t)
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A 25 h token saved 21 h ago: the daemon's client would refresh it now.
	_, err = db.Exec(`UPDATE zalo_tokens SET updated_at = datetime('now', '-21 hours'),
		access_expires_at = datetime('now', '+4 hours')`)
	if err != nil {
		t.Fatal(err)
	}
	before := sim.Stats().Refreshes
	rep, _ := c.doctor()
	rep.want(t, "zalo.live", checkOK, "")
	if got := sim.Stats().Refreshes; got != before {
		t.Errorf("doctor refreshed the token pair %d time(s) while its access token was still valid", got-before)
	}
}

// With a slow Zalo the groups not reached in --timeout are said to be
// unchecked, not failed.
func TestDoctorTimeoutLeavesGroupsUnchecked(t *testing.T) {
	sim, c, _ := healthySetup(t)
	sim.SetFaultRate(zalosim.FaultSlow.Taking(700*time.Millisecond).On(zalosim.PathGroupInfo), 1)
	out, _, _ := c.run("", "doctor", "--json", "--timeout", "1s")
	var rep doctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	rep.want(t, "zalo.live", checkOK, "")
	rep.want(t, "zalo.groups_unchecked", checkSkip, "--timeout")
	for _, ch := range rep.Checks {
		if ch.Name == "zalo.group" && ch.Status == checkFail {
			t.Errorf("a group not reached in time is reported as failed: %s", ch.Message)
		}
	}
}
