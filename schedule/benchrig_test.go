package schedule_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// Helpers of the benchmarks in bench_test.go: a store in a file, a second
// connection to it (as another program would have), the simulator over HTTP
// with as many groups as hamlets, and the real client, on the real clock.

// benchBody is a typical notice: a few hundred characters of Vietnamese.
const benchBody = `Thực hiện kế hoạch của UBND huyện, UBND xã thông báo đến bà con nhân dân:

Từ 7 giờ đến 11 giờ sáng Chủ nhật, các khóm tổ chức tổng vệ sinh môi trường, phát quang bụi rậm, khơi thông cống rãnh, diệt lăng quăng phòng chống sốt xuất huyết.

Đề nghị mỗi hộ cử ít nhất một người tham gia, mang theo dụng cụ (cuốc, xẻng, bao đựng rác). Tập trung tại nhà văn hóa khóm lúc 6 giờ 45.

Mọi thắc mắc xin liên hệ trưởng khóm hoặc văn phòng UBND xã.`

type benchRig struct {
	tb     testing.TB
	ctx    context.Context
	path   string
	store  *notices.Store
	db     *sql.DB // a second connection, like the sqlite3 shell's
	sim    *zalosimtest.Server
	client *bot.Client
	log    zerolog.Logger
	groups []string
}

type benchOptions struct {
	groups     int              // hamlets, each with its own group
	ratePerMin int              // the simulator's limit and the client's setting; 0: none
	rtt        time.Duration    // the simulator's round trip for every API call, ± a fifth
	now        func() time.Time // the store's clock; nil: the real one
}

// benchLog is what the daemon logs in production: JSON at info level.
func benchLog() zerolog.Logger {
	return zerolog.New(io.Discard).With().Timestamp().Logger().Level(zerolog.InfoLevel)
}

func benchGroupID(i int) string { return fmt.Sprintf("g%019x", 0x5a10000+i) }

func newBenchRig(tb testing.TB, o benchOptions) *benchRig {
	tb.Helper()
	ctx := context.Background()
	gs := make([]zalosim.Group, o.groups)
	hs := make([]notices.Hamlet, o.groups)
	ids := make([]string, o.groups)
	for i := range gs {
		ids[i] = benchGroupID(i)
		gs[i] = zalosim.Group{ID: ids[i], Name: fmt.Sprintf("Khóm %d", i+1)}
		hs[i] = notices.Hamlet{Code: fmt.Sprintf("khom-%d", i+1), Name: fmt.Sprintf("Khóm %d", i+1), GroupID: ids[i], Active: true}
	}
	sim := zalosimtest.New(tb, zalosim.WithGroups(gs...), zalosim.WithRatePerMin(o.ratePerMin),
		zalosim.WithConfig(func(c *zalosim.Config) {
			c.Latency, c.LatencyJitter = o.rtt, o.rtt/5
			// LOAXA_BENCH_SLOW=P: that share of sends is slow by 2 s on top.
			if p, err := strconv.ParseFloat(os.Getenv("LOAXA_BENCH_SLOW"), 64); err == nil && p > 0 && o.rtt > 0 {
				c.SlowRate = p
			}
		}))
	log := benchLog()
	path := filepath.Join(tb.TempDir(), "loaxa.db")
	store, err := notices.Open(ctx, path, notices.Options{Now: o.now, Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	if err := store.SaveZaloTokens(ctx, sim.AccessToken, sim.RefreshToken, time.Now().Add(24*time.Hour)); err != nil {
		tb.Fatal(err)
	}
	if len(hs) > 0 {
		if err := store.ImportHamlets(ctx, "bench", hs); err != nil {
			tb.Fatal(err)
		}
	}
	rate := o.ratePerMin
	if rate == 0 {
		rate = -1
	}
	client := bot.NewClient(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: rate, Timeout: 10 * time.Second}, store, log)
	if err := client.Reload(ctx); err != nil {
		tb.Fatal(err)
	}
	db := openSecond(tb, path)
	return &benchRig{tb: tb, ctx: ctx, path: path, store: store, db: db, sim: sim, client: client, log: log, groups: ids}
}

// openSecond opens another connection to the database file, as another
// program would.
func openSecond(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_journal_mode=WAL")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	return db
}

// benchConfig is the daemon's configuration as `loaxa serve` builds it by
// default, without quiet hours (so that a benchmark does not depend on the
// time of day it runs at).
func benchConfig() schedule.Config {
	return schedule.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm"}
}

func (r *benchRig) runner(cfg schedule.Config) *schedule.Runner {
	r.tb.Helper()
	run, err := schedule.New(cfg, r.store, schedule.NewOneCommune(1, r.client), r.log)
	if err != nil {
		r.tb.Fatal(err)
	}
	return run
}

// notice stores an approved (or, with pending, a pending) notice for every
// hamlet and returns its id.
func (r *benchRig) notice(title string, pending bool) int64 {
	r.tb.Helper()
	n := notices.Notice{Title: title, Body: benchBody, Status: notices.StatusApproved, Source: notices.SourceWeb,
		Author: "canbo"}
	if pending {
		n.Status = notices.StatusPending
	}
	if err := r.store.CreateNotice(r.ctx, &n); err != nil {
		r.tb.Fatalf("create notice %q: %v", title, err)
	}
	return n.ID
}

// drainChanged swallows the wake-up the store's last write left, so that a
// runner started next does not begin with a poll cycle.
func (r *benchRig) drainChanged() {
	select {
	case <-r.store.Changed():
	default:
	}
}

// sends is how many messages the simulator has recorded.
func (r *benchRig) sends() int { return r.sim.Stats().Sends }

// waitSends waits until the simulator has recorded n messages and returns
// when the first one past from arrived and when the n-th did.
func (r *benchRig) waitSends(from, n int, timeout time.Duration) (first, last time.Time) {
	r.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := r.sends()
		now := time.Now()
		if got > from && first.IsZero() {
			first = now
		}
		if got >= n {
			return first, now
		}
		if now.After(deadline) {
			r.tb.Fatalf("simulator recorded %d messages after %s; want %d", got, timeout, n)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// deliveryBodies returns the group and text of each delivery of notice id.
func (r *benchRig) deliveryBodies(id int64) (groups, texts []string) {
	r.tb.Helper()
	rows, err := r.db.QueryContext(r.ctx, `SELECT d.group_id, b.body FROM deliveries d JOIN delivery_bodies b ON b.delivery_id = d.id WHERE d.notice_id = ? ORDER BY d.id`, id)
	if err != nil {
		r.tb.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var g, t string
		if err := rows.Scan(&g, &t); err != nil {
			r.tb.Fatal(err)
		}
		groups, texts = append(groups, g), append(texts, t)
	}
	if err := rows.Err(); err != nil {
		r.tb.Fatal(err)
	}
	return groups, texts
}

// statusCounts counts notice id's deliveries by state.
func (r *benchRig) statusCounts(id int64) map[string]int {
	r.tb.Helper()
	rows, err := r.db.QueryContext(r.ctx, `SELECT status, count(*) FROM deliveries WHERE notice_id = ? GROUP BY status`, id)
	if err != nil {
		r.tb.Fatal(err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			r.tb.Fatal(err)
		}
		m[s] = n
	}
	return m
}

// rawPoster makes bare HTTP POSTs of group messages: the same JSON and the
// same headers as the client's, over a transport configured like the
// client's, with no store, no client logic and no decoding beyond reading
// the answer.
type rawPoster struct {
	hc     *http.Client
	url    string
	header http.Header
}

// newRawPoster captures one request of the real client (its headers and its
// body) and checks that rawBody reproduces the body byte for byte.
func (r *benchRig) newRawPoster() *rawPoster {
	r.tb.Helper()
	var mu sync.Mutex
	var hdr http.Header
	var body []byte
	capture := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		mu.Lock()
		hdr, body = req.Header.Clone(), b
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"data":{"message_id":"m1","group_id":"g1"},"error":0,"message":"Success"}`)
	}))
	defer capture.Close()
	c := bot.NewClient(bot.Config{APIBase: capture.URL, OAuthBase: capture.URL, RatePerMin: -1}, r.store, zerolog.Nop())
	if _, err := c.SendGroupText(r.ctx, r.groups[0], benchBody); err != nil {
		r.tb.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := rawBody(r.groups[0], benchBody); !bytes.Equal(body, want) {
		r.tb.Fatalf("raw body differs from the client's:\n   raw %s\nclient %s", want, body)
	}
	hdr.Del("Content-Length")
	hdr.Del("Accept-Encoding") // the transport adds it, as it does for the client
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64 // as bot.NewClient
	return &rawPoster{hc: &http.Client{Transport: transport, Timeout: 10 * time.Second},
		url: r.sim.URL + zalosim.PathGroupMessage, header: hdr}
}

// rawBody is the JSON the client sends for a text message.
func rawBody(groupID, text string) []byte {
	type recipient struct {
		GroupID string `json:"group_id"`
	}
	type message struct {
		Text string `json:"text,omitempty"`
	}
	b, err := json.Marshal(struct {
		Recipient recipient `json:"recipient"`
		Message   message   `json:"message"`
	}{recipient{groupID}, message{text}})
	if err != nil {
		panic(err)
	}
	return b
}

// post sends every body with conc requests in flight and returns how long
// it took.
func (p *rawPoster) post(ctx context.Context, bodies [][]byte, conc int) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 512)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(bodies[i]))
				if err != nil {
					errs <- err
					return
				}
				req.Header = p.header
				resp, err := p.hc.Do(req)
				if err != nil {
					errs <- err
					return
				}
				buf = buf[:0]
				for {
					n, err := resp.Body.Read(buf[len(buf):cap(buf)])
					buf = buf[:len(buf)+n]
					if err != nil {
						break
					}
					if len(buf) == cap(buf) {
						buf = append(buf, 0)[:len(buf)]
					}
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !bytes.Contains(buf, []byte(`"error":0`)) {
					errs <- fmt.Errorf("raw post: HTTP %d: %s", resp.StatusCode, buf)
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	return took, <-errs
}

// duePollNotices are the live notices of the BenchmarkDuePoll databases:
// recurring ones, none due at the benchmark's clock.
var duePollNotices = []notices.Notice{
	{Title: "Lịch thu gom rác", Recurrence: "0 7 * * 1"},
	{Title: "Nhắc đóng BHYT", Recurrence: "@monthly"},
	{Title: "Giờ mở cửa bộ phận một cửa", Recurrence: "0 6 * * *"},
}

// duePollRig opens (creating it if needed) a database at path with the 10
// hamlets and live notices of BenchmarkDuePoll, and a runner on a clock
// stopped at now.
func duePollRig(tb testing.TB, path string, now time.Time) (*notices.Store, *schedule.Runner) {
	tb.Helper()
	ctx := context.Background()
	clk := func() time.Time { return now }
	gs := make([]zalosim.Group, 10)
	for i := range gs {
		gs[i] = zalosim.Group{ID: benchGroupID(i), Name: fmt.Sprintf("Khóm %d", i+1)}
	}
	sim := zalosimtest.New(tb, zalosim.WithGroups(gs...))
	log := benchLog()
	store, err := notices.Open(ctx, path, notices.Options{Now: clk, Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	if err := store.SaveZaloTokens(ctx, sim.AccessToken, sim.RefreshToken, now.Add(24*time.Hour)); err != nil {
		tb.Fatal(err)
	}
	if hs, err := store.Hamlets(ctx); err != nil {
		tb.Fatal(err)
	} else if len(hs) == 0 {
		hs := make([]notices.Hamlet, len(gs))
		for i, g := range gs {
			hs[i] = notices.Hamlet{Code: fmt.Sprintf("khom-%d", i+1), Name: g.Name, GroupID: g.ID, Active: true}
		}
		if err := store.ImportHamlets(ctx, "bench", hs); err != nil {
			tb.Fatal(err)
		}
		for _, n := range duePollNotices {
			n.Body, n.Status, n.Source, n.Author = benchBody, notices.StatusApproved, notices.SourceWeb, "canbo"
			if err := store.CreateNotice(ctx, &n); err != nil {
				tb.Fatal(err)
			}
		}
	}
	client := bot.NewClient(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: -1}, store, log)
	if err := client.Reload(ctx); err != nil {
		tb.Fatal(err)
	}
	cfg := benchConfig()
	cfg.Now = clk
	run, err := schedule.New(cfg, store, schedule.NewOneCommune(1, client), log)
	if err != nil {
		tb.Fatal(err)
	}
	// The first cycle handles the bulletin slot before now; from then on
	// nothing is due.
	if _, err := run.RunOnce(ctx, now); err != nil {
		tb.Fatal(err)
	}
	return store, run
}

// historyVersion names the shape of the history historyDB builds: change
// it when the builder changes, so that a cached file is not reused.
const historyVersion = 2

// historyDB returns a database with the live state of duePollRig and a
// history of 100,000 notices, 100,000 occurrences and 1,000,000 deliveries
// from the three years before now, built with bulk SQL in one transaction.
// The file is kept in the temporary directory, named by the schema and
// builder versions, and reused by later runs: building it takes a while.
func historyDB(tb testing.TB, now time.Time) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), "loaxa-bench")
	path := filepath.Join(dir, fmt.Sprintf("history-s%d-b%d.db", notices.LatestSchema(), historyVersion))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	tmp := path + ".building"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	began := time.Now()
	store, _ := duePollRig(tb, tmp, now)
	db := openSecond(tb, tmp)
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	short := []rune(benchBody)[:200]
	from := now.Add(-3 * 365 * 24 * time.Hour).Format("2006-01-02 15:04:05")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		// Written as loaxa writes its own rows (site_writes, 0003): the
		// insert guards of 0011 refuse a done notice, or a last_due_at,
		// from another program.
		{`INSERT INTO site_writes (id) VALUES (1)`, nil},
		{`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000),
			t(x, at) AS (SELECT x, datetime(?1, '+' || (x * 15) || ' minutes') FROM c)
		INSERT INTO notices (id, title, body, category, priority, status, targets, author, approver, approved_at,
			source, last_due_at, reason, created_at, updated_at)
		SELECT 1000 + x, 'Thông báo lưu trữ số ' || x, ?2, 'chung',
			CASE WHEN x % 10 = 0 THEN 'urgent' WHEN x % 10 = 1 THEN 'low' ELSE 'normal' END,
			CASE WHEN x % 100 = 0 THEN 'expired' WHEN x % 97 = 0 THEN 'cancelled' ELSE 'done' END,
			'all', 'canbo', 'lanhdao', at, 'web', at, '', at, at FROM t`, []any{from, benchBody}},
		{`INSERT INTO occurrences (id, notice_id, due_at, status, created_at)
		SELECT id - 1000, id, last_due_at, 'queued', last_due_at FROM notices WHERE id > 1000`, nil},
		{`INSERT INTO deliveries (notice_id, occurrence_id, hamlet_id, group_id, part, parts, body, priority, status,
			due_at, next_attempt_at, attempts, claimed_at, sent_at, message_id, error_code, error, created_at, updated_at)
		SELECT o.notice_id, o.id, h.id, h.group_id, 1, 1, ?1, 1,
			CASE WHEN (o.id + h.id) % 200 = 0 THEN 'failed' WHEN (o.id + h.id) % 301 = 0 THEN 'skipped' ELSE 'sent' END,
			o.due_at, o.due_at, 1, o.due_at, o.due_at, lower(hex(randomblob(10))),
			CASE WHEN (o.id + h.id) % 200 = 0 THEN -403 END, '', o.due_at, o.due_at
		FROM occurrences o CROSS JOIN hamlets h WHERE o.notice_id > 1000 ORDER BY o.id, h.id`, []any{string(short)}},
		{`INSERT INTO audit_log (at, actor, action, notice_id, detail)
		SELECT created_at, 'canbo', 'notice.create', id, '' FROM notices WHERE id > 1000`, nil},
		{`DELETE FROM site_writes`, nil},
	} {
		if _, err := tx.Exec(q.sql, q.args...); err != nil {
			tb.Fatalf("build history: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
	db.Close()
	store.Close()
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built %s in %s", path, time.Since(began).Round(time.Second))
	return path
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// envInt reads a positive integer from the environment, or returns def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// envDuration reads a positive Go duration from the environment, or
// returns def.
func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
