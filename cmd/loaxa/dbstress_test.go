package main

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// TestDamagedDatabaseIsNamedNotMisread: a file that is not a SQLite
// database, or a loaxa database cut short, is refused in one line that
// says what is wrong and how to restore — by the commands and by serve.
func TestDamagedDatabaseIsNamedNotMisread(t *testing.T) {
	good := newCLI(t)
	good.setup()
	b, err := os.ReadFile(good.db)
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 20000)
	for i := range garbage {
		garbage[i] = byte(i*7 + i/13)
	}
	header := append([]byte("SQLite format 3\x00"), garbage[:4000]...)
	cases := map[string][]byte{
		"not a database":  garbage,
		"header, no body": header,
		"cut short":       b[:len(b)/3],
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCLI(t)
			if err := os.WriteFile(c.db, content, 0o600); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(c.db)
			for _, args := range [][]string{{"hamlet", "list"}, {"serve"}} {
				c.env["LOAXA_HTTP_ADDR"] = "127.0.0.1:0"
				_, errOut, code := c.run("", args...)
				if args[0] == "serve" { // after its "starting loaxa" log line
					errOut = errOut[strings.LastIndex(errOut, "\n")+1:]
				}
				if code != 1 || strings.Count(errOut, "\n") > 0 || !strings.Contains(errOut, "đã hỏng") ||
					!strings.Contains(errOut, "khôi phục bản sao lưu") {
					t.Errorf("loaxa %s on a damaged file: exit %d, %q; want 1 and one line naming the damage and the restore", args[0], code, errOut)
				}
			}
			after, _ := os.ReadFile(c.db)
			if string(after) != string(before) {
				t.Error("the damaged file was changed; want it left as it was, for recovery")
			}
		})
	}
}

// TestNewerSchemaRefusedByServe: serve, like every command, refuses a
// database written by a newer loaxa, before touching it.
func TestNewerSchemaRefusedByServe(t *testing.T) {
	c := newCLI(t)
	c.setup()
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	c.env["LOAXA_HTTP_ADDR"] = "127.0.0.1:0"
	_, errOut, code := c.run("", "serve")
	if code != 1 || !strings.Contains(errOut, "phiên bản lược đồ 99") || !strings.Contains(errOut, "hãy nâng cấp loaxa") {
		t.Errorf("serve on a newer schema: exit %d, %q", code, errOut)
	}
}

// TestWriteLockHeldByAnotherProgram: another program holds the write lock
// for longer than busy_timeout (5 s) just when a notice falls due. The
// daemon logs clear errors, keeps running, and delivers the notice once
// when the lock is released.
func TestWriteLockHeldByAnotherProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a lock for 8 s; skipped with -short")
	}
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", sim.Groups()[0].ID)
	at := time.Now().Add(2 * time.Second).Format(time.RFC3339)
	c.ok("notice", "add", "--title", "Họp khẩn", "--body", "Họp lúc 14 giờ.", "--at", at, "--approve")
	base, log, stop := c.serve()

	db, err := sql.Open("sqlite3", c.db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(8 * time.Second)
	if n := len(sim.AllMessages()); n != 0 {
		t.Errorf("%d messages sent while the notice could not be recorded; want 0", n)
	}
	if code, _, err := getHealthz(base); err != nil || code == 0 {
		t.Errorf("/healthz while locked: %d, %v; want an answer", code, err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	deadline := time.Now().Add(15 * time.Second)
	for len(sim.AllMessages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if len(sim.AllMessages()) == 0 {
		t.Errorf("the notice was not sent within 15 s of the lock's release:\n%s", tail(log.String(), 25))
	}
	time.Sleep(500 * time.Millisecond)
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
	if n := len(sim.AllMessages()); n != 1 {
		t.Errorf("%d messages; want exactly 1", n)
	}
	if !strings.Contains(log.String(), "database is locked") {
		t.Errorf("no log line says the database is locked:\n%s", tail(log.String(), 15))
	}
	t.Logf("errors logged while locked: %d", strings.Count(log.String(), `"level":"error"`))
}

// TestDiskFull puts the database on a 2 MB tmpfs, fills it while the
// daemon runs and a notice falls due, then frees the space: clear errors,
// no crash, nothing lost, the notice delivered once. It needs root (mount);
// it is skipped elsewhere.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs; skipped with -short")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	c.db = filepath.Join(dir, "loaxa.db")
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", sim.Groups()[0].ID)
	c.ok("notice", "add", "--title", "Trước khi đầy", "--body", "Tin đầu.", "--approve")
	_, log, stop := c.serve()
	waitFor(t, "the first notice", func() bool { return len(sim.AllMessages()) == 1 })

	// A notice that falls due while the disk is full: the daemon must
	// materialise it then, and cannot.
	due := time.Now().Add(1500 * time.Millisecond).Format(time.RFC3339)
	c.ok("notice", "add", "--title", "Đến hạn khi đĩa đầy", "--body", "Tin thứ hai.", "--at", due, "--approve")

	// Fill the file system.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill: %v", err)
			}
			break
		}
	}
	f.Close()
	at := time.Now().Add(time.Second).Format(time.RFC3339)
	_, errOut, code := c.run("", "notice", "add", "--title", "Khi đĩa đầy", "--body", strings.Repeat("Nội dung dài. ", 400), "--at", at, "--approve")
	t.Logf("notice add on a full disk: exit %d: %s", code, errOut)
	if code == 0 {
		t.Log("the write fitted in space SQLite had already allocated")
	} else if !strings.Contains(errOut, "đĩa đầy") || !strings.Contains(errOut, "giải phóng chỗ trống") {
		t.Errorf("notice add on a full disk: %q; want it to say the disk is full", errOut)
	}
	time.Sleep(3 * time.Second)
	if n := len(sim.AllMessages()); n != 1 {
		t.Logf("%d messages while the disk was full (the due notice fitted in space already allocated)", n)
	}

	// Space returns: the daemon carries on by itself.
	os.Remove(filler)
	if code != 0 {
		c.ok("notice", "add", "--title", "Khi đĩa đầy", "--body", "Gửi lại sau khi có chỗ.", "--approve")
	}
	waitFor(t, "the notices after space returned", func() bool { return len(sim.AllMessages()) == 3 })
	time.Sleep(500 * time.Millisecond)
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
	if n := len(sim.AllMessages()); n != 3 {
		t.Errorf("%d messages; want exactly 3", n)
	}
	db, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	var sent int
	db.QueryRow(`PRAGMA integrity_check`).Scan(&check)
	db.QueryRow(`SELECT count(*) FROM deliveries WHERE status = 'sent'`).Scan(&sent)
	if check != "ok" || sent != 3 {
		t.Errorf("after the full disk: integrity_check %q, %d sent; want ok, 3", check, sent)
	}
	t.Logf("daemon log lines saying the disk is full: %d", strings.Count(log.String(), "database or disk is full"))
}
