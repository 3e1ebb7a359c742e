package main

import (
	"context"
	"database/sql"
	"io"
	"strings"
	"testing"
	"time"
)

// TestDemoProvince: `loaxa demo --province` makes three communes on their
// own simulated OAs and sends the province warning to every hamlet and each
// commune's notice to its own, signed by the province and by each commune.
func TestDemoProvince(t *testing.T) {
	db := t.TempDir() + "/demo.db"
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--province", "--addr", "127.0.0.1:0", "--db", db}, func(string) string { return "" },
			strings.NewReader(""), &out, io.Discard)
	}()
	waitFor(t, "the demo banner", func() bool { return strings.Contains(out.String(), "Cả tỉnh: 3 xã") })
	sdb, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	want := "phuong-my-binh:6 xa-an-phu:6 xa-phu-hoa:4"
	var got string
	waitFor(t, "every demo delivery sent", func() bool {
		sdb.QueryRow(`SELECT group_concat(code || ':' || n, ' ') FROM (SELECT c.code, count(*) AS n FROM deliveries d
			JOIN communes c ON c.id = d.commune_id WHERE d.status = 'sent' AND d.message_id <> '' GROUP BY c.code ORDER BY c.code)`).Scan(&got)
		return got == want
	})
	var footers string
	sdb.QueryRow(`SELECT group_concat(substr(body, instr(body, '— ')), '|') FROM (SELECT body FROM occurrence_texts ORDER BY occurrence_id)`).Scan(&footers)
	if footers != "— UBND tỉnh An Giang (chạy thử)|— UBND xã An Phú|— UBND xã Phú Hòa|— UBND phường Mỹ Bình" {
		t.Errorf("the demo's footers = %q; want the province's, then each commune's", footers)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo after Ctrl-C: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop within 30s of Ctrl-C")
	}
}
