package schedule_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// poison are the rows of issue 10 that stopped every poll cycle, keyed by
// title. The schema refuses them since 0002_refusals.sql; insertUnchecked
// writes them as a program could before it, or around it.
var poison = map[string]string{
	"Mã thôn lặp": `INSERT INTO notices (title, body, status, targets)
		VALUES ('Mã thôn lặp', 'Một mã hai lần.', 'approved', 'khom-1,khom-2,khom-1')`,
	"Giờ tạo khác dạng": `INSERT INTO notices (title, body, status, created_at)
		VALUES ('Giờ tạo khác dạng', 'Giờ tạo có múi giờ, không đổi sang UTC.', 'approved', '2026-12-01T08:00:00+07:00')`,
	"Duyệt hôm qua": `INSERT INTO notices (title, body, status, approved_at)
		VALUES ('Duyệt hôm qua', 'Giờ duyệt viết bằng chữ.', 'approved', 'hôm qua')`,
	"Nội dung có NUL": `INSERT INTO notices (title, body, status)
		VALUES ('Nội dung có NUL', 'A' || char(0) || printf('%.*c', 60000, 'x'), 'approved')`,
}

// insertUnchecked runs the inserts on a connection of their own with the
// refusing and normalising triggers of 0002_refusals.sql dropped, and puts
// the triggers back: the rows are in as if written before the upgrade. It
// returns the new ids by title.
func insertUnchecked(t *testing.T, path string, rows map[string]string) map[string]int64 {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var triggers []string
	for _, name := range []string{"notices_refuse_insert", "notices_more_times_insert"} {
		var def string
		if err := tx.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`, name).Scan(&def); err != nil {
			t.Fatalf("trigger %s: %v", name, err)
		}
		triggers = append(triggers, def)
		if _, err := tx.Exec(`DROP TRIGGER ` + name); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	for title, q := range rows {
		res, err := tx.Exec(q)
		if err != nil {
			t.Fatalf("insert %q without the triggers: %v", title, err)
		}
		ids[title], _ = res.LastInsertId()
	}
	for _, def := range triggers {
		if _, err := tx.Exec(def); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestPoisonRowsAreSetAsideAndTheQueueGoesOn is issue 10's "one bad
// external row stops all sending": each poison row is set aside with a
// reason, once, and a good notice and an urgent one still go out in the
// same cycle; /healthz and /metrics name what was set aside.
func TestPoisonRowsAreSetAsideAndTheQueueGoesOn(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00")
	ids := insertUnchecked(t, r.store.Path(), poison)
	r.notice(notices.Notice{Title: "Họp dân bình thường"})
	r.notice(notices.Notice{Title: "Khẩn: nước lên", Priority: notices.Urgent})

	if _, err := r.runner.RunOnce(r.ctx, r.clock.Now()); err != nil {
		t.Fatalf("RunOnce with poison rows = %v; want them set aside and the cycle to succeed", err)
	}
	if _, err := r.runner.Drain(r.ctx); err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Họp dân bình thường", "Khẩn: nước lên"} {
		if got := r.received(title); len(got) != len(r.groups) {
			t.Errorf("%q reached %d groups; want all %d despite the poison rows", title, len(got), len(r.groups))
		}
	}
	for title := range poison {
		if got := r.received(title); len(got) != 0 {
			t.Errorf("poison row %q reached %v; want nothing sent", title, got)
		}
	}

	aside, err := r.store.SetAsideNotices(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[int64]string{}
	for _, a := range aside {
		reasons[a.ID] = a.Reason
	}
	for title, want := range map[string]string{
		"Mã thôn lặp":       "targets",
		"Giờ tạo khác dạng": "created_at",
		"Duyệt hôm qua":     "approved_at",
		"Nội dung có NUL":   "NUL",
	} {
		if !strings.Contains(reasons[ids[title]], want) {
			t.Errorf("%q (notice %d) set aside with %q; want a reason naming %s", title, ids[title], reasons[ids[title]], want)
		}
	}

	// Later cycles pass over them quietly: no error, no second audit entry.
	r.step()
	r.step()
	for title, id := range ids {
		es, err := r.store.Audit(r.ctx, notices.AuditFilter{NoticeID: id})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.Action == "notice.set_aside" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q: %d set_aside audit entries; want exactly 1", title, n)
		}
	}

	// /healthz: degraded (200), naming each set-aside notice and why.
	rec := httptest.NewRecorder()
	r.runner.HealthHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	var h schedule.Health
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || h.Status != schedule.HealthDegraded || h.OK || len(h.SetAside) != len(poison) {
		t.Errorf("/healthz = %d %s, ok %v, %d set aside; want 200 degraded with %d set aside:\n%s",
			rec.Code, h.Status, h.OK, len(h.SetAside), len(poison), rec.Body)
	}
	if !strings.Contains(strings.Join(h.Problems, "\n"), "notice "+itoa(ids["Duyệt hôm qua"])+" (\"Duyệt hôm qua\") set aside") {
		t.Errorf("/healthz problems %q do not name notice %d", h.Problems, ids["Duyệt hôm qua"])
	}
	if m := metrics(t, r.runner); !strings.Contains(m, "\nloaxa_notices_set_aside 4\n") ||
		!strings.Contains(m, "\nloaxa_poll_failures_consecutive 0\n") {
		t.Errorf("/metrics lacks loaxa_notices_set_aside 4 or loaxa_poll_failures_consecutive 0:\n%s", m)
	}

	// Cancelled, they stop counting; /healthz is ok again.
	for title, id := range ids {
		if _, err := r.store.CancelNotice(r.ctx, id, "canbo", "hỏng"); err != nil {
			t.Errorf("cancel %q: %v", title, err)
		}
	}
	if h := r.runner.Health(r.ctx); h.Status != schedule.HealthOK || len(h.SetAside) != 0 {
		t.Errorf("Health after cancelling = %s, %d set aside, %q; want ok", h.Status, len(h.SetAside), h.Problems)
	}
}

// TestPollFailuresAndLateDeliveriesShowInHealth: cycles that keep failing
// (another program holds the write lock) turn /healthz degraded, then
// failing (503) with the count, the time and the error; a delivery due for
// longer than five minutes turns it degraded; all of it in /metrics.
func TestPollFailuresAndLateDeliveriesShowInHealth(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: at(t, "2026-12-01 09:00")}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	sim := zalosimtest.New(t)
	path := filepath.Join(t.TempDir(), "loaxa.db")
	store, err := notices.Open(ctx, path, notices.Options{Now: clk.Now, Location: hcm, Logger: log,
		PasswordCost: bcrypt.MinCost, BusyTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.SaveZaloTokens(ctx, sim.AccessToken, sim.RefreshToken, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	client := bot.NewClient(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, log)
	if err := client.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	runner, err := schedule.New(schedule.Config{Location: hcm, Now: clk.Now, Bulletin: []notices.Recurrence{}}, store, schedule.NewOneCommune(1, client), log)
	if err != nil {
		t.Fatal(err)
	}
	g := sim.Groups()[0]
	if err := store.CreateHamlet(ctx, "test", &notices.Hamlet{Code: "khom-1", Name: "Khóm 1", GroupID: g.ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	n := notices.Notice{Title: "Họp", Body: "Tối nay.", Status: notices.StatusApproved, Source: notices.SourceCLI}
	if err := store.CreateNotice(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunOnce(ctx, clk.Now()); err != nil { // queued, not yet sent
		t.Fatal(err)
	}

	// A second notice is approved just before another program takes the
	// write lock: its materialising fails for the lock, which is no fault of
	// the notice, so it must not be set aside.
	n2 := notices.Notice{Title: "Đến sau", Body: "Chờ khóa.", Status: notices.StatusApproved, Source: notices.SourceCLI}
	if err := store.CreateNotice(ctx, &n2); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	began := clk.Now()
	for i := 1; i <= 3; i++ {
		clk.Add(time.Second)
		_, err := runner.RunOnce(ctx, clk.Now())
		if err == nil {
			t.Fatalf("cycle %d succeeded while another program held the write lock", i)
		}
		if want := "materialise notice " + itoa(n2.ID); !strings.Contains(err.Error(), want) {
			t.Errorf("cycle %d error = %v; want it to include %q", i, err, want)
		}
		h := runner.Health(ctx)
		want, code := schedule.HealthDegraded, http.StatusOK
		if i >= 3 {
			want, code = schedule.HealthFailing, http.StatusServiceUnavailable
		}
		if h.Status != want || h.Poll.ConsecutiveFailures != i || !h.Poll.FailingSince.Equal(began.Add(time.Second)) ||
			!strings.Contains(h.Poll.LastError, "locked") {
			t.Errorf("after %d failed cycles: status %s, poll %+v; want %s, %d failures since %v, the lock named",
				i, h.Status, h.Poll, want, i, began.Add(time.Second))
		}
		rec := httptest.NewRecorder()
		runner.HealthHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != code {
			t.Errorf("after %d failed cycles /healthz = %d; want %d", i, rec.Code, code)
		}
	}
	if m := metrics(t, runner); !strings.Contains(m, "\nloaxa_poll_failures_consecutive 3\n") {
		t.Errorf("/metrics lacks loaxa_poll_failures_consecutive 3:\n%s", m)
	}
	if aside, err := store.SetAsideNotices(ctx); err != nil || len(aside) != 0 {
		t.Errorf("SetAsideNotices() after cycles failed for a lock = %+v, %v; want none: a busy database is no notice's fault", aside, err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}

	// The queued delivery has not gone out; ten minutes on, it is late.
	clk.Add(10 * time.Minute)
	if _, err := runner.RunOnce(ctx, clk.Now()); err != nil {
		t.Fatalf("cycle after the lock was released: %v", err)
	}
	h := runner.Health(ctx)
	if h.Poll.ConsecutiveFailures != 0 || h.Status != schedule.HealthDegraded || h.OldestDueAgeSeconds < 600 ||
		!strings.Contains(strings.Join(h.Problems, "\n"), "the oldest due delivery has waited") {
		t.Errorf("Health with a delivery 10 min late = %s, poll %+v, age %gs, %q; want degraded, no failures, ≥600 s",
			h.Status, h.Poll, h.OldestDueAgeSeconds, h.Problems)
	}
	if m := metrics(t, runner); !strings.Contains(m, "\nloaxa_oldest_due_delivery_age_seconds 60") {
		t.Errorf("/metrics lacks loaxa_oldest_due_delivery_age_seconds 60x:\n%s", m)
	}
	if _, err := runner.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Họp", "Đến sau"} {
		got := 0
		for _, m := range sim.Messages(g.ID) {
			if strings.Contains(m.Text, title) {
				got++
			}
		}
		if got != 1 {
			t.Errorf("%q reached the group %d times once the lock was gone; want 1", title, got)
		}
	}
	if h := runner.Health(ctx); h.Status != schedule.HealthOK || h.OldestDueAgeSeconds != 0 {
		t.Errorf("Health once sent = %s, age %g, %q; want ok, 0", h.Status, h.OldestDueAgeSeconds, h.Problems)
	}
}

func metrics(t *testing.T, r *schedule.Runner) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics = %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestNoticeThatCannotBePlannedIsSetAside: a correction whose original
// another program deleted reads fine but cannot be planned; it is set
// aside with the reason and the notice after it still goes out.
func TestNoticeThatCannotBePlannedIsSetAside(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00")
	orig := r.notice(notices.Notice{Title: "Gốc", Targets: []string{"khom-1"}})
	r.step() // the original reaches its group: a correction may name it
	fix := r.notice(notices.Notice{Title: "Đính chính", Kind: notices.KindUpdate, RefersTo: orig.ID})
	db, err := sql.Open("sqlite3", "file:"+r.store.Path()+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM audit_log WHERE notice_id = ?; DELETE FROM notices WHERE id = ?`, orig.ID, orig.ID); err != nil {
		t.Fatal(err)
	}
	r.notice(notices.Notice{Title: "Sau đó", Priority: notices.Urgent})
	r.step()
	if got := r.received("Sau đó"); len(got) != len(r.groups) {
		t.Errorf("the notice after the broken one reached %d groups; want %d", len(got), len(r.groups))
	}
	aside, err := r.store.SetAsideNotices(r.ctx)
	if err != nil || len(aside) != 1 || aside[0].ID != fix.ID || !strings.Contains(aside[0].Reason, "thông báo gốc số") {
		t.Errorf("SetAsideNotices() = %+v, %v; want notice %d, its original unreadable", aside, err, fix.ID)
	}
}
