package notices_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// docBlocks returns the ```sql blocks of docs/schema.md.
func docBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../docs/schema.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	if len(blocks) < 5 {
		t.Fatalf("docs/schema.md has %d sql blocks; want the examples", len(blocks))
	}
	var out []string
	for _, m := range blocks {
		out = append(out, m[1])
	}
	return out
}

// statements splits a block into statements ending in ';' at a line end.
func statements(block string) []string {
	var out []string
	for _, st := range strings.Split(block, ";\n") {
		var lines []string
		for _, l := range strings.Split(st, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if st := strings.TrimSpace(strings.Join(lines, "\n")); st != "" {
			out = append(out, st)
		}
	}
	return out
}

// refusal is one refused example of docs/schema.md and the error it must
// give ("-- error: …" on the line before it).
type refusal struct{ sql, want string }

// refusals reads a "-- refused" block: each statement with the message its
// "-- error:" line promises.
func refusals(t *testing.T, block string) []refusal {
	t.Helper()
	var out []refusal
	for _, st := range strings.Split(block, ";\n") {
		var want string
		var lines []string
		for _, l := range strings.Split(st, "\n") {
			l = strings.TrimSpace(l)
			if w, ok := strings.CutPrefix(l, "-- error:"); ok {
				want = strings.TrimSpace(w)
			} else if l != "" && !strings.HasPrefix(l, "--") {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			continue
		}
		if want == "" {
			t.Errorf("refused example without an -- error: line:\n%s", strings.Join(lines, "\n"))
		}
		out = append(out, refusal{sql: strings.Join(lines, "\n"), want: want})
	}
	return out
}

// TestSchemaDocRefusals runs every refused example of docs/schema.md, as
// another program would, through a second database/sql connection and
// through the sqlite3 shell: each is refused with the message the document
// promises, and inserts nothing.
func TestSchemaDocRefusals(t *testing.T) {
	t.Run("fresh", func(t *testing.T) {
		s, path := openStore(t)
		addHamlets(t, s, "Khóm 1", "Khóm 2")
		checkDocRefusals(t, path)
	})
	t.Run("upgraded v1.db with poison rows", func(t *testing.T) {
		s, path, _ := v1WithPoison(t) // has khom-1 already
		addHamlets(t, s, "Khóm 2")
		checkDocRefusals(t, path)
	})
	t.Run("upgraded v11.db", func(t *testing.T) {
		_, db := upgradeKeepsRows(t, v11DB) // has khom-1 and khom-2
		var path string
		if err := db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
			t.Fatal(err)
		}
		checkDocRefusals(t, path)
	})
}

func checkDocRefusals(t *testing.T, path string) {
	db := rawDB(t, path)
	bin, shellErr := exec.LookPath("sqlite3")
	var all []refusal
	for _, block := range docBlocks(t) {
		if strings.HasPrefix(block, "-- refused") {
			all = append(all, refusals(t, block)...)
		}
	}
	if len(all) < 20 {
		t.Fatalf("docs/schema.md lists %d refused examples; want every rule's (at least 20)", len(all))
	}
	for _, r := range all {
		before := counts(t, db)
		_, err := db.Exec(r.sql)
		switch {
		case err == nil:
			t.Errorf("database/sql accepted; want refused with %q:\n%s", r.want, r.sql)
		case !strings.Contains(err.Error(), r.want):
			t.Errorf("database/sql refused with %q; want %q:\n%s", err, r.want, r.sql)
		}
		if bin != "" {
			var out bytes.Buffer
			cmd := exec.Command(bin, path, ".timeout 5000", r.sql)
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err == nil {
				t.Errorf("sqlite3 shell accepted; want refused with %q:\n%s", r.want, r.sql)
			} else if !strings.Contains(out.String(), r.want) {
				t.Errorf("sqlite3 shell said %q; want %q:\n%s", out.String(), r.want, r.sql)
			}
		}
		if after := counts(t, db); after["notices"] != before["notices"] || after["audit_log"] != before["audit_log"] {
			t.Errorf("refused example wrote rows (%v → %v):\n%s", before, after, r.sql)
		}
	}
	if shellErr != nil {
		t.Logf("sqlite3 shell not installed: the refusals were checked through database/sql only")
	}
}

// TestSchemaDocExamples runs every example of docs/schema.md, as another
// program would, on a plain connection without foreign_keys: those under
// "-- refused" must fail and insert nothing, the others must succeed.
func TestSchemaDocExamples(t *testing.T) {
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	db := rawDB(t, path)
	ran, refused := 0, 0
	for _, block := range docBlocks(t) {
		if strings.HasPrefix(block, "-- province") {
			continue // several communes: TestSchemaDocProvince
		}
		mustFail := strings.HasPrefix(block, "-- refused")
		if strings.Contains(block, "refers_to") && !mustFail {
			// The corrections refer to notices 1 and 2, which the daemon
			// has sent by then (only a notice that went out may be
			// corrected or withdrawn).
			markSent(t, db, 1)
			markSent(t, db, 2)
		}
		for _, st := range statements(block) {
			before := counts(t, db)
			_, err := db.Exec(st)
			switch {
			case mustFail && err == nil:
				t.Errorf("doc example accepted; want refused:\n%s", st)
			case mustFail:
				refused++
				if after := counts(t, db); after["notices"] != before["notices"] {
					t.Errorf("refused example inserted a row:\n%s", st)
				}
			case err != nil:
				t.Errorf("doc example refused: %v\n%s", err, st)
			default:
				ran++
			}
		}
	}
	if ran < 6 || refused < 9 {
		t.Errorf("ran %d examples and %d refusals; want at least 6 and 9", ran, refused)
	}
	// Every accepted row reads back as a complete notice.
	ns, err := s.Notices(context.Background(), notices.NoticeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Source != notices.SourceSQL || n.Kind == "" || n.Priority == "" || n.Category == "" {
			t.Errorf("notice %d read back incomplete: %+v", n.ID, n)
		}
	}
}

// TestSchemaDocColumns keeps the doc's column table and the schema in step.
func TestSchemaDocColumns(t *testing.T) {
	s, path := openStore(t)
	_ = s
	b, err := os.ReadFile("../docs/schema.md")
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		doc = append(doc, m[1])
	}
	rows, err := rawDB(t, path).Query(`SELECT name FROM pragma_table_info('notices')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var schema []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		schema = append(schema, name)
	}
	sort.Strings(doc)
	sort.Strings(schema)
	if strings.Join(doc, ",") != strings.Join(schema, ",") {
		t.Errorf("docs/schema.md documents columns\n%v\nthe notices table has\n%v", doc, schema)
	}
}

// TestExternalInsert is the contract: title, body and status make a
// complete notice for all active hamlets; bad rows are refused by SQLite.
func TestExternalInsert(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	other := rawDB(t, path) // another program: no foreign_keys, no loaxa
	res, err := other.Exec(`INSERT INTO notices (title, body, status) VALUES ('Họp thôn', 'Tối nay 19h', 'approved')`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	n, err := s.Notice(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if n.Title != "Họp thôn" || n.Status != notices.StatusApproved || n.Targets != nil || n.Priority != notices.Normal ||
		n.Kind != notices.KindNotice || n.Category != "chung" || n.Source != notices.SourceSQL || !n.PublishAt.IsZero() ||
		n.ApprovedAt.IsZero() || n.CreatedAt.IsZero() {
		t.Errorf("external notice = %+v", n)
	}
	if a, _ := s.Audit(ctx, notices.AuditFilter{NoticeID: id}); len(a) != 1 || a[0].Actor != "sql" || a[0].Action != "notice.create" {
		t.Errorf("audit of external insert = %+v", a)
	}

	// Offsets are normalised to UTC.
	res, err = other.Exec(`INSERT INTO notices (title, body, publish_at, expires_at) VALUES ('a', 'b', '2026-12-01T07:30:00+07:00', '2026-12-01T10:00+07:00')`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ = res.LastInsertId()
	var pub, exp string
	other.QueryRow(`SELECT publish_at, expires_at FROM notices WHERE id = ?`, id).Scan(&pub, &exp)
	if pub != "2026-12-01 00:30:00" || exp != "2026-12-01 03:00:00" {
		t.Errorf("stored times = %q, %q; want UTC 2026-12-01 00:30:00, 03:00:00", pub, exp)
	}

	before := counts(t, other)
	for _, q := range []string{
		`INSERT INTO notices (title, body, status) VALUES ('a', 'b', 'sent')`,
		`INSERT INTO notices (title, body, priority) VALUES ('a', 'b', 'high')`,
		`INSERT INTO notices (title, body, targets) VALUES ('a', 'b', 'khom-1,khom-9')`,
		`INSERT INTO notices (title, body, targets) VALUES ('a', 'b', ' , ')`,
		`INSERT INTO notices (title, body, publish_at) VALUES ('a', 'b', 'ngày mai')`,
		`INSERT INTO notices (title, body, expires_at) VALUES ('a', 'b', '2026-13-01 00:00')`,
		`INSERT INTO notices (title, body, kind, refers_to) VALUES ('a', 'b', 'cancel', 999)`,
		`INSERT INTO notices (title) VALUES ('no body')`,
		`INSERT INTO notices (title, body) VALUES ('   ', 'b')`,
	} {
		if _, err := other.Exec(q); err == nil {
			t.Errorf("accepted; want refused: %s", q)
		}
	}
	if after := counts(t, other); after["notices"] != before["notices"] || after["audit_log"] != before["audit_log"] {
		t.Errorf("refused inserts wrote rows: %v → %v", before, after)
	}
}

// TestExternalInsertShell does the same through the sqlite3 shell.
func TestExternalInsertShell(t *testing.T) {
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("sqlite3 shell not installed (apt-get install sqlite3); the contract is also tested through database/sql")
	}
	ctx := context.Background()
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1", "Khóm 2")
	shell := func(sql string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, path, ".timeout 5000", sql)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	if out, err := shell(`INSERT INTO notices (title, body, status, targets, publish_at) VALUES ('Họp', 'Tối nay', 'approved', 'khom-2', '2026-12-01T19:00:00+07:00');`); err != nil {
		t.Fatalf("sqlite3 insert: %v: %s", err, out)
	}
	ns, err := s.Notices(ctx, notices.NoticeFilter{Hamlet: "khom-2"})
	if err != nil || len(ns) != 1 {
		t.Fatalf("Notices = %v, %v; want the shell's row", ns, err)
	}
	if n := ns[0]; !n.PublishAt.Equal(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)) || n.Status != notices.StatusApproved {
		t.Errorf("shell notice = %+v", n)
	}
	for _, q := range []string{
		`INSERT INTO notices (title, body, status) VALUES ('a', 'b', 'bogus');`,
		`INSERT INTO notices (title, body, targets) VALUES ('a', 'b', 'khom-9');`,
	} {
		if out, err := shell(q); err == nil {
			t.Errorf("sqlite3 accepted %s: %s", q, out)
		}
	}
}
