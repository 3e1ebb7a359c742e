package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoKeepsADBGivenBeforeTheCommand: `loaxa --db PATH demo` makes its
// demo database at PATH, as `loaxa demo --db PATH` does; it used to make
// loaxa-demo.db in the current folder instead (README: --db may come
// before or after the command).
func TestDemoKeepsADBGivenBeforeTheCommand(t *testing.T) {
	if _, err := os.Stat(demoDB); err == nil {
		t.Skipf("%s already exists in the package folder; remove it to run this test", demoDB)
	}
	db := filepath.Join(t.TempDir(), "before.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--db", db, "demo", "--addr", "127.0.0.1:0"}, func(string) string { return "" },
			strings.NewReader(""), &out, io.Discard)
	}()
	waitFor(t, "the demo banner", func() bool { return strings.Contains(out.String(), "Trang quản trị:") })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo: %v", err)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("the demo database is not at the --db given before the command: %v", err)
	}
	if _, err := os.Stat(demoDB); err == nil {
		os.Remove(demoDB)
		for _, tail := range []string{"-wal", "-shm", ".lock", ".token-lock"} {
			os.Remove(demoDB + tail)
		}
		t.Errorf("the demo made %s in the current folder despite --db %s", demoDB, db)
	}
}
