package main

import (
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// waitSettled waits, up to limit, until the deliveries exist and none is
// queued, retrying or sending: the last run of a crash test has finished
// what the kills left. Past limit it kills p and fails with the log's tail.
func waitSettled(t *testing.T, db *sql.DB, p *daemonProc, logPath string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var pending, total int
		err := db.QueryRow(`SELECT count(*) FROM deliveries WHERE status IN ('queued', 'retry', 'sending')`).Scan(&pending)
		if err == nil {
			err = db.QueryRow(`SELECT count(*) FROM deliveries`).Scan(&total)
		}
		if err == nil && pending == 0 && total > 0 {
			return
		}
		if time.Now().After(deadline) {
			p.kill(t)
			log, _ := os.ReadFile(logPath)
			t.Fatalf("%d deliveries still pending after %v (%v); log tail:\n%s", pending, limit, err, tail(string(log), 30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exactlyOnce compares the delivery rows with what the simulator's groups
// received: each row must have ended sent, and each group must hold each
// part its rows name as many times as they name it, no more (dup) and no
// fewer (lost), and nothing no row accounts for. With owner (group id →
// OA id) each message must have gone out from its group's own OA. It
// returns how many rows there are, and the messages sent twice and lost.
func exactlyOnce(t *testing.T, db *sql.DB, sim *zalosimtest.Server, groups []string, owner map[string]string) (rows, dup, lost int) {
	t.Helper()
	want := map[string]map[string]int{}
	rs, err := db.Query(`SELECT d.group_id, b.body, d.status FROM deliveries d JOIN delivery_bodies b ON b.delivery_id = d.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var g, body, status string
		if err := rs.Scan(&g, &body, &status); err != nil {
			t.Fatal(err)
		}
		if status != "sent" {
			t.Errorf("a delivery to %s ended %s; want sent", g, status)
		}
		if want[g] == nil {
			want[g] = map[string]int{}
		}
		want[g][body]++
		rows++
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	rs.Close()
	for _, g := range groups {
		got := map[string]int{}
		for _, m := range sim.Messages(g) {
			got[m.Text]++
			if owner != nil && m.OAID != owner[g] {
				t.Errorf("a message to group %s went out from OA %s, not its own", g, m.OAID)
			}
		}
		for body, n := range want[g] {
			switch {
			case got[body] > n:
				dup += got[body] - n
			case got[body] < n:
				lost += n - got[body]
			}
		}
		for body := range got {
			if want[g][body] == 0 {
				t.Errorf("group %s holds a message no delivery row accounts for: %.40q", g, body)
			}
		}
	}
	return rows, dup, lost
}
