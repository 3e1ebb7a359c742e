package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"regexp"
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
	// The command the banner suggests works on a province's database, and
	// the warning's category reads with its diacritics on /public.
	m := regexp.MustCompile(`thử: go run \./cmd/loaxa (.+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the banner suggests no command:\n%s", out.String())
	}
	var list, listErr bytes.Buffer
	if err := run(context.Background(), strings.Fields(m[1]), func(string) string { return "" }, strings.NewReader(""), &list, &listErr); err != nil ||
		!strings.Contains(list.String(), "Cảnh báo triều cường") {
		t.Errorf("the banner's %q: %v %s%s", m[1], err, list.String(), listErr.String())
	}
	pub := regexp.MustCompile(`Thông báo công khai: +(\S+)\n`).FindStringSubmatch(out.String())
	if pub == nil {
		t.Fatalf("the banner gives no /public:\n%s", out.String())
	}
	resp, err := http.Get(pub[1])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Thời tiết, thiên tai") || strings.Contains(string(page), "Thien-tai") {
		t.Errorf("/public does not name the warning's category «Thời tiết, thiên tai»:\n%.2000s", page)
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
