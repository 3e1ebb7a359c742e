package schedule_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// deliveryErrors is every reason stored on a delivery.
func deliveryErrors(t *testing.T, store *notices.Store) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT DISTINCT error FROM deliveries WHERE error != ''`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// connectAdvice checks that text (what) tells to reconnect, and that
// every "loaxa zalo connect" in it is want, the command that works: with
// one commune no --commune, with several the commune's.
func connectAdvice(t *testing.T, what, text, want string) {
	t.Helper()
	n := strings.Count(text, "loaxa zalo connect")
	ok := n > 0 && strings.Count(text, want) == n
	if want == "loaxa zalo connect" {
		ok = n > 0 && !strings.Contains(text, "loaxa zalo connect --commune")
	}
	if !ok {
		t.Errorf("%s: %q\nadvises %d reconnect commands; want each to be %q", what, text, n, want)
	}
}

// TestReconnectAdviceOneCommune: with one commune, the delivery's reason,
// /healthz and the log tell to run `loaxa zalo connect`, without
// --commune.
func TestReconnectAdviceOneCommune(t *testing.T) {
	r := newRig(t, "2026-11-27 09:00")
	if err := r.store.SaveZaloTokens(r.ctx, "", "spent-refresh-token", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_ = r.client.Reload(r.ctx)
	r.notice(notices.Notice{Title: "Họp khóm", Priority: notices.Urgent})
	r.step()
	r.step()
	errs := deliveryErrors(t, r.store)
	if len(errs) == 0 {
		t.Fatal("no delivery holds the reason it waits")
	}
	for _, e := range errs {
		connectAdvice(t, "delivery reason", e, "loaxa zalo connect")
	}
	h := r.runner.Health(r.ctx)
	connectAdvice(t, "/healthz problems", strings.Join(h.Problems, "\n"), "loaxa zalo connect")
	if err := r.runner.Upkeep(r.ctx); err == nil {
		t.Error("upkeep of a disconnected OA: no error")
	}
	connectAdvice(t, "log", r.logs.String(), "loaxa zalo connect")
}

// TestReconnectAdviceProvince: with several communes, every text that
// tells to reconnect xa-c's dead OA names it (`--commune xa-c`: without it
// the command is a usage error), also once xa-a and xa-b are disabled and
// xa-c is the only commune sent for.
func TestReconnectAdviceProvince(t *testing.T) {
	p := newProvinceRig(t, "xa-c")
	p.notice(notices.Notice{Title: "Cảnh báo lũ", Commune: notices.Province, Priority: notices.Urgent})
	p.step()
	p.step()
	errs := deliveryErrors(t, p.store)
	if len(errs) == 0 {
		t.Fatal("no delivery of xa-c holds the reason it waits")
	}
	for _, e := range errs {
		connectAdvice(t, "delivery reason", e, "loaxa zalo connect --commune xa-c")
	}
	h := p.runner.Health(p.ctx)
	connectAdvice(t, "/healthz problems", strings.Join(h.Problems, "\n"), "loaxa zalo connect --commune xa-c")
	_ = p.runner.Upkeep(p.ctx)
	connectAdvice(t, "log", p.logs.String(), "loaxa zalo connect --commune xa-c")

	for _, c := range []string{"xa-a", "xa-b"} {
		if err := p.store.SetCommuneActive(p.ctx, "test", c, false); err != nil {
			t.Fatal(err)
		}
	}
	p.step() // the poll cycle follows the communes table
	h = p.runner.Health(p.ctx)
	if h.Status != "failing" {
		t.Errorf("health with the only commune sent for disconnected = %s; want failing: %q", h.Status, h.Problems)
	}
	connectAdvice(t, "/healthz problems, xa-c alone", strings.Join(h.Problems, "\n"), "loaxa zalo connect --commune xa-c")
	_ = p.runner.Upkeep(p.ctx)
	connectAdvice(t, "log, xa-c alone", p.logs.String(), "loaxa zalo connect --commune xa-c")
}
