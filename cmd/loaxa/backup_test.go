package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// TestBackupWhileServingAndRestore takes `loaxa db backup` while `loaxa
// serve` is sending a 60-group broadcast (the online backup API: one
// consistent moment, writers not blocked), then restores a backup the way
// docs/RELIABILITY.md says: stop, copy the file back, remove the -wal and
// -shm files, start.
func TestBackupWhileServingAndRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds loaxa; skipped with -short")
	}
	bin := buildLoaxa(t)
	groups, csv := manyGroups(t, 60, 8000, "ap", "Ấp")
	sim := zalosimtest.New(t, zalosim.WithGroups(groups...))
	sim.SetDelay(20 * time.Millisecond) // a broadcast that takes a while
	c := simCLI(t, sim)
	c.ok("hamlet", "import", csv)
	c.ok("notice", "add", "--title", "Sao lưu", "--approve", "--body", strings.Repeat("Nội dung dài để có nhiều phần. ", 150))
	logPath := filepath.Join(t.TempDir(), "serve.log")
	p := startServe(t, bin, c, logPath)
	waitFor(t, "the broadcast to start", func() bool { return len(sim.AllMessages()) > 5 })

	dir := t.TempDir()
	during := filepath.Join(dir, "during.db")
	c.ok("db", "backup", during)
	sentAtBackup := len(sim.AllMessages())
	check := func(path string) (string, int) {
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var ok string
		var n int
		db.QueryRow(`PRAGMA integrity_check`).Scan(&ok)
		db.QueryRow(`SELECT count(*) FROM deliveries`).Scan(&n)
		return ok, n
	}
	if ok, n := check(during); ok != "ok" || n != 60*3 {
		t.Errorf("backup taken mid-broadcast: integrity_check %q, %d deliveries; want ok, 180", ok, n)
	}
	if fi, err := os.Stat(during); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if sentAtBackup >= 180 {
		t.Logf("the broadcast had finished before the backup (%d sent)", sentAtBackup)
	}
	waitFor(t, "the broadcast to finish", func() bool { return len(sim.AllMessages()) == 180 })
	time.Sleep(300 * time.Millisecond)
	quiet := filepath.Join(dir, "quiet.db")
	c.ok("db", "backup", quiet)
	p.term(t)

	// Work done after the backup is lost by a restore: here, a notice.
	c.ok("notice", "add", "--title", "Sau bản sao lưu", "--body", "Sẽ mất khi khôi phục.")
	b, err := os.ReadFile(quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(c.db + "-wal")
	os.Remove(c.db + "-shm")
	p = startServe(t, bin, c, logPath)
	base := serveAddr(t, logPath, 2)
	waitFor(t, "the restored daemon to be healthy", func() bool {
		code, _, err := getHealthz(base)
		return err == nil && code == 200
	})
	time.Sleep(time.Second)
	p.term(t)
	if out := c.ok("notice", "list"); strings.Contains(out, "Sau bản sao lưu") || !strings.Contains(out, "Sao lưu") {
		t.Errorf("after the restore, notice list =\n%s", out)
	}
	if n := len(sim.AllMessages()); n != 180 {
		t.Errorf("%d messages after the restore; want still 180 (nothing resent)", n)
	}
}
