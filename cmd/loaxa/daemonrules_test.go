package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// The CLI says when a notice goes out by the rules the daemon recorded at
// its start, not by its own environment: a daemon with quiet hours off (the
// demo's) and a shell whose LOAXA_QUIET_HOURS covers now agree on «ngay»,
// and the CLI says that the two differ.
func TestCLIUsesTheDaemonsRecordedRules(t *testing.T) {
	c := newCLI(t)
	c.setup()
	loc := hcmZone(t)
	now := time.Now().In(loc)
	hm := func(t time.Time) string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }
	quietNow := hm(now.Add(-time.Hour)) + "-" + hm(now.Add(2*time.Hour))
	c.env["LOAXA_QUIET_HOURS"] = quietNow

	// No daemon has run on this database: the shell's own rules.
	c.ok("notice", "add", "--title", "Một", "--body", "x")
	if out := c.ok("notice", "approve", "1", "--as", "duyet"); !strings.Contains(out, "giờ yên lặng") {
		t.Fatalf("with no daemon's rules, approve within this shell's quiet hours says %q", out)
	}

	// The daemon starts with quiet hours off, and records them.
	cfg, err := loadConfig(func(k string) string {
		return map[string]string{"LOAXA_DB": c.db, "LOAXA_QUIET_HOURS": "off"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := openDaemon(context.Background(), cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	d.close()

	c.ok("notice", "add", "--title", "Hai", "--body", "x")
	out, errOut, code := c.run("", "notice", "approve", "2", "--as", "duyet")
	if code != 0 || out != "Đã duyệt thông báo số 2; sẽ gửi ngay.\n" {
		t.Errorf("approve after a daemon with quiet hours off = %d %q %q; want «sẽ gửi ngay»", code, out, errOut)
	}
	if !strings.Contains(errOut, "giờ yên lặng off (ở đây LOAXA_QUIET_HOURS cho "+quietNow+")") {
		t.Errorf("the CLI does not say its quiet hours differ from the daemon's: %q", errOut)
	}
	// The same environment as the daemon's: nothing to say.
	c.env["LOAXA_QUIET_HOURS"] = "off"
	c.ok("notice", "add", "--title", "Ba", "--body", "x")
	if _, errOut, _ := c.run("", "notice", "approve", "3", "--as", "duyet"); errOut != "" {
		t.Errorf("with the daemon's own rules the CLI still says %q", errOut)
	}
}
