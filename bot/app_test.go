package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// Province mode against the multi-OA simulator over HTTP: one app, one
// client per OA (bot.App), each OA with its own token chain and groups.

// threeOAs are the communes of these tests: A has its own package limit
// when rateA > 0.
func threeOAs(rateA int) []zalosim.OA {
	oas := zalosim.GenerateOAs(3, 2, 0)
	oas[0].RatePerMin = rateA
	return oas
}

// province builds an app over fake and one client per OA, each with a
// store holding that OA's initial pair; oaRates gives the clients' own
// limits by OA id.
func province(t *testing.T, fake *zalosimtest.Server, app *bot.App, oaRates map[string]int) map[string]*bot.Client {
	t.Helper()
	clients := map[string]*bot.Client{}
	for _, cr := range fake.OAs {
		store := &memStore{}
		store.set(cr.AccessToken, cr.RefreshToken, time.Now().Add(24*time.Hour))
		c, err := app.Client(cr.OAID, store, oaRates[cr.OAID])
		if err != nil {
			t.Fatal(err)
		}
		clients[cr.OAID] = c
	}
	return clients
}

func appConfig(fake *zalosimtest.Server, ratePerMin int) bot.Config {
	return bot.Config{APIBase: fake.URL, OAuthBase: fake.URL, AppID: fake.AppID, AppSecret: fake.AppSecret,
		RatePerMin: ratePerMin, Timeout: 5 * time.Second}
}

func TestAppEachOASendsThroughItsOwnOA(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(0)...))
	app := bot.NewApp(appConfig(fake, 4000), testLogger(t))
	clients := province(t, fake, app, nil)
	ctx := context.Background()

	for _, cr := range fake.OAs {
		c := clients[cr.OAID]
		if c.OA() != cr.OAID {
			t.Errorf("client OA() = %q; want %q", c.OA(), cr.OAID)
		}
		for _, g := range fake.GroupsOf(cr.OAID) {
			if _, err := c.SendGroupText(ctx, g.ID, "Thông báo của "+cr.OAID); err != nil {
				t.Fatalf("OA %s, its group %s: %v", cr.OAID, g.ID, err)
			}
			msgs := fake.Messages(g.ID)
			if len(msgs) != 1 || msgs[0].OAID != cr.OAID || msgs[0].Text != "Thông báo của "+cr.OAID {
				t.Fatalf("group %s holds %+v; want one message from OA %s", g.ID, msgs, cr.OAID)
			}
		}
		groups, err := c.ListGroups(ctx)
		if err != nil || len(groups) != 2 {
			t.Fatalf("OA %s lists %d groups, %v; want its own 2", cr.OAID, len(groups), err)
		}
	}

	// A's access token expires: A refreshes its own chain, and stores the
	// new pair in its own store; B and C are left alone.
	a0 := fake.OAs[0]
	if err := fake.ExpireAccessTokensOf(a0.OAID); err != nil {
		t.Fatal(err)
	}
	if _, err := clients[a0.OAID].SendGroupText(ctx, fake.GroupsOf(a0.OAID)[0].ID, "sau khi làm mới"); err != nil {
		t.Fatalf("A's send after its token expired: %v", err)
	}
	for _, s := range fake.OAStats() {
		if want := map[bool]int{true: 1, false: 0}[s.OAID == a0.OAID]; s.Refreshes != want {
			t.Errorf("OA %s refreshed %d times; want %d", s.OAID, s.Refreshes, want)
		}
	}
	if cur, _ := fake.OACredentials(a0.OAID); cur.RefreshToken == a0.RefreshToken {
		t.Errorf("A's chain did not rotate")
	}

	// A send through the wrong OA's client: -403, permanent for the group,
	// nothing delivered, and no token trouble for either OA.
	a, b := fake.OAs[0].OAID, fake.OAs[1].OAID
	gb := fake.GroupsOf(b)[0].ID
	_, err := clients[a].SendGroupText(ctx, gb, "nhầm OA")
	var ae *bot.APIError
	if !errors.As(err, &ae) || ae.Code != -403 || bot.ErrorClass(err) != bot.ClassPermanentGroup || !ae.PermanentForGroup() {
		t.Fatalf("OA %s sending to OA %s's group: %v (class %v); want -403, permanent for the group", a, b, err, bot.ErrorClass(err))
	}
	if n := len(fake.Messages(gb)); n != 1 {
		t.Errorf("OA %s's group holds %d messages after the wrong OA's send; want 1", b, n)
	}
	for _, s := range app.States() {
		if s.Paused || !s.Health.Connected {
			t.Errorf("state %+v after a -403; want every OA connected, none paused", s)
		}
	}
	if st := fake.Stats(); st.Refreshes != 1 || st.RateLimited != 0 || st.ReusedRefresh != 0 {
		t.Errorf("simulator stats %+v; want A's one refresh, no -32, no reuse", st)
	}
}

func TestAppDuplicateOA(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(0)...))
	app := bot.NewApp(appConfig(fake, 4000), testLogger(t))
	if _, err := app.Client("xa-an-phu", &memStore{}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Client("xa-an-phu", &memStore{}, 0); !errors.Is(err, bot.ErrOAExists) {
		t.Errorf("a second client for one OA: %v; want ErrOAExists", err)
	}
	if _, err := app.Client(" ", &memStore{}, 0); err == nil {
		t.Errorf("a client without a key was built")
	}
	app.Remove("xa-an-phu")
	if _, ok := app.Lookup("xa-an-phu"); ok {
		t.Errorf("Lookup finds a removed OA")
	}
	if _, err := app.Client("xa-an-phu", &memStore{}, 100); err != nil {
		t.Errorf("a client for a removed OA: %v", err)
	}
}

// A refused refresh in one OA pauses that OA alone, visibly, and the
// others go on sending.
func TestAppDeadTokenPausesOneOA(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(0)...))
	app := bot.NewApp(appConfig(fake, 4000), testLogger(t))
	clients := province(t, fake, app, nil)
	ctx := context.Background()
	a, b, c := fake.OAs[0].OAID, fake.OAs[1].OAID, fake.OAs[2].OAID

	// B's admin removed the app: its access tokens stop working and its
	// refresh token is refused.
	if err := fake.ExpireAccessTokensOf(b); err != nil {
		t.Fatal(err)
	}
	if err := fake.RevokeRefreshTokenOf(b); err != nil {
		t.Fatal(err)
	}
	_, err := clients[b].SendGroupText(ctx, fake.GroupsOf(b)[0].ID, "x")
	if !errors.Is(err, bot.ErrReconnect) || bot.ErrorClass(err) != bot.ClassDisconnected {
		t.Fatalf("send of the OA whose refresh token is refused: %v; want ErrReconnect", err)
	}
	before := oaStats(fake)[b]

	for round := range 3 {
		for _, oa := range []string{a, c} {
			for _, g := range fake.GroupsOf(oa) {
				if _, err := clients[oa].SendGroupText(ctx, g.ID, fmt.Sprintf("lượt %d", round)); err != nil {
					t.Fatalf("OA %s while OA %s is dead: %v", oa, b, err)
				}
			}
		}
		// B fails fast, without calling Zalo again.
		if _, err := clients[b].SendGroupText(ctx, fake.GroupsOf(b)[0].ID, "x"); !errors.Is(err, bot.ErrReconnect) {
			t.Fatalf("dead OA's send: %v; want ErrReconnect", err)
		}
	}
	if after := oaStats(fake)[b]; after.Requests != before.Requests || after.Refreshes != 0 {
		t.Errorf("dead OA made %d more calls and %d refreshes; want none", after.Requests-before.Requests, after.Refreshes)
	}
	for _, oa := range []string{a, c} {
		if got := oaStats(fake)[oa].Sends; got != 6 {
			t.Errorf("OA %s sent %d messages; want 6", oa, got)
		}
	}

	states := app.States()
	if len(states) != 3 {
		t.Fatalf("States() = %+v; want 3", states)
	}
	for _, s := range states {
		dead := s.OA == b
		if s.Paused != dead || s.Reconnect != dead || s.Health.Connected == dead {
			t.Errorf("state of OA %s = %+v; want paused and reconnect %v", s.OA, s, dead)
		}
		if dead && !strings.Contains(s.Health.LastError, "14014") && !strings.Contains(s.Health.LastError, "refresh") {
			t.Errorf("dead OA's LastError = %q; want Zalo's refusal", s.Health.LastError)
		}
	}
	if !app.RateLimitedUntil().IsZero() {
		t.Errorf("the app is rate limited until %v; want no pause", app.RateLimitedUntil())
	}
}

func oaStats(fake *zalosimtest.Server) map[string]zalosim.OAStats {
	m := map[string]zalosim.OAStats{}
	for _, s := range fake.OAStats() {
		m[s.OAID] = s
	}
	return m
}

// useUp spends n calls of the simulator's windows with an OA's access
// token, as another process of the same app would.
func useUp(t *testing.T, fake *zalosimtest.Server, access string, n int) {
	t.Helper()
	for range n {
		req, _ := http.NewRequest(http.MethodGet, fake.URL+zalosim.PathGroupsOfOA+"?offset=0&count=5", nil)
		req.Header["access_token"] = []string{access}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}

// sendWithin sends one message and reports how long the client held it.
func sendWithin(c *bot.Client, groupID string, d time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	_, err := c.SendGroupText(ctx, groupID, "khẩn")
	return time.Since(start), err
}

// An OA's own limit answers -32 with X-RateLimit-Limit naming it: that OA
// pauses, the others do not.
func TestAppOAMinus32SlowsThatOAOnly(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(3)...), zalosim.WithRatePerMin(4000))
	a, b := fake.OAs[0], fake.OAs[1].OAID
	app := bot.NewApp(appConfig(fake, 4000), testLogger(t))
	clients := province(t, fake, app, map[string]int{a.OAID: 3})

	useUp(t, fake, a.AccessToken, 3) // another process used A's minute
	_, err := clients[a.OAID].SendGroupText(context.Background(), fake.GroupsOf(a.OAID)[0].ID, "x")
	if bot.ErrorClass(err) != bot.ClassRateLimited {
		t.Fatalf("A's send over its own limit: %v; want -32", err)
	}
	if seen, ok := clients[a.OAID].RateLimitSeen(); !ok || seen.Limit != 3 {
		t.Fatalf("A saw X-RateLimit-Limit %+v; want 3 (its own limit refused)", seen)
	}
	if until := clients[a.OAID].State().RateLimitedUntil; time.Until(until) < 500*time.Millisecond {
		t.Errorf("A is rate limited until %v; want about 1 s from now", until)
	}
	if !app.RateLimitedUntil().IsZero() {
		t.Errorf("the app pauses until %v after one OA's own -32; want no pause", app.RateLimitedUntil())
	}
	for range 3 {
		if took, err := sendWithin(clients[b], fake.GroupsOf(b)[0].ID, 2*time.Second); err != nil || took > 300*time.Millisecond {
			t.Fatalf("B's send after A's own -32: %v after %v; want at once", err, took)
		}
	}
	requests := oaStats(fake)[a.OAID].Requests
	if _, err := sendWithin(clients[a.OAID], fake.GroupsOf(a.OAID)[0].ID, 300*time.Millisecond); err == nil {
		t.Errorf("A sent during its pause")
	}
	if got := oaStats(fake)[a.OAID].Requests; got != requests {
		t.Errorf("A called Zalo %d times during its pause; want 0", got-requests)
	}
}

// An OA whose package limit nobody configured answers -32 with
// X-RateLimit-Limit naming a limit below the app's: only an OA's own limit
// is that small, so that OA alone pauses and is held to it from then on;
// the other OAs go on at once (an urgent warning of another commune is not
// held up), and the app does not pause.
func TestAppMinus32BelowTheAppsLimitIsThatOAs(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(3)...), zalosim.WithRatePerMin(4000))
	a, b := fake.OAs[0], fake.OAs[1].OAID
	app := bot.NewApp(appConfig(fake, 4000), testLogger(t))
	clients := province(t, fake, app, nil) // nobody entered A's limit

	useUp(t, fake, a.AccessToken, 3)
	_, err := clients[a.OAID].SendGroupText(context.Background(), fake.GroupsOf(a.OAID)[0].ID, "x")
	if bot.ErrorClass(err) != bot.ClassRateLimited {
		t.Fatalf("A's send over its package limit: %v; want -32", err)
	}
	st := clients[a.OAID].State()
	if time.Until(st.RateLimitedUntil) < 500*time.Millisecond {
		t.Errorf("A is rate limited until %v; want about 1 s from now", st.RateLimitedUntil)
	}
	if st.LearnedRatePerMin != 3 || st.RatePerMin != 0 {
		t.Errorf("A's state: learned %d, configured %d; want 3 learnt from the -32, none configured",
			st.LearnedRatePerMin, st.RatePerMin)
	}
	if !app.RateLimitedUntil().IsZero() {
		t.Errorf("the app pauses until %v after one OA's package -32; want no pause", app.RateLimitedUntil())
	}
	for range 3 {
		if took, err := sendWithin(clients[b], fake.GroupsOf(b)[0].ID, 2*time.Second); err != nil || took > 300*time.Millisecond {
			t.Fatalf("B's send after A's package -32: %v after %v; want at once", err, took)
		}
	}
	if got := clients[b].State().LearnedRatePerMin; got != 0 {
		t.Errorf("B learnt a limit of %d from A's -32", got)
	}
}

// The app's limit answers -32 with X-RateLimit-Limit naming the app's: every
// OA pauses. So does a -32 the client cannot place (no header): the safe
// reading.
func TestAppMinus32OfTheAppSlowsEveryOA(t *testing.T) {
	for _, tc := range []struct {
		name    string
		appRate int // the app's limit, as configured (ZALO_RATE_PER_MIN)
		setup   func(t *testing.T, fake *zalosimtest.Server)
	}{
		{"app limit", 4, func(t *testing.T, fake *zalosimtest.Server) {
			fake.SetRatePerMin(4)
			useUp(t, fake, fake.OAs[2].AccessToken, 4) // another process of the app used its minute
		}},
		{"unplaced", 4000, func(t *testing.T, fake *zalosimtest.Server) {
			fake.FailNext(1, zalosim.FaultCode(zalosim.CodeRateLimited).ForOA(fake.OAs[0].OAID))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(0)...))
			a, b := fake.OAs[0].OAID, fake.OAs[1].OAID
			app := bot.NewApp(appConfig(fake, tc.appRate), testLogger(t))
			clients := province(t, fake, app, nil)
			tc.setup(t, fake)

			_, err := clients[a].SendGroupText(context.Background(), fake.GroupsOf(a)[0].ID, "x")
			if bot.ErrorClass(err) != bot.ClassRateLimited {
				t.Fatalf("A's send: %v; want -32", err)
			}
			if until := app.RateLimitedUntil(); time.Until(until) < 500*time.Millisecond {
				t.Errorf("the app is rate limited until %v; want about 1 s from now", until)
			}
			requests := oaStats(fake)[b].Requests
			if _, err := sendWithin(clients[b], fake.GroupsOf(b)[0].ID, 300*time.Millisecond); err == nil {
				t.Errorf("B sent during the app's pause")
			}
			if got := oaStats(fake)[b].Requests; got != requests {
				t.Errorf("B called Zalo %d times during the app's pause; want 0", got-requests)
			}
		})
	}
}

// TestAppLimitsHoldAcrossOAs runs three OAs flat out through one app for
// 1.35 windows: the app's limit holds for their total and A's own limit for
// A, with zero -32, and both are used. The simulator's clock runs 6 times
// faster and the client's window is 10 s: 1.35 windows take 13.5 s. (At 10
// times, the margins shrink to a tenth, 120 ms for the app's: one run at
// load average 12 filled the app's minute to 400 of 400.)
func TestAppLimitsHoldAcrossOAs(t *testing.T) {
	if testing.Short() {
		t.Skip("13.5 s of sending; not under -short")
	}
	const (
		speed   = 6
		window  = time.Minute / speed
		appRate = 400 // per window: 40/s
		rateA   = 60  // per window: 6/s
		run     = window * 135 / 100
	)
	start := time.Now()
	clock := func() time.Time { return start.Add(time.Since(start) * speed) }
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(rateA)...), zalosim.WithRatePerMin(appRate),
		zalosim.WithClock(clock))
	a := fake.OAs[0].OAID
	app := bot.NewAppWindow(appConfig(fake, appRate), zerolog.Nop(), window)
	clients := province(t, fake, app, map[string]int{a: rateA})

	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		limited int
		other   []error
	)
	for _, cr := range fake.OAs {
		for w := range 4 {
			wg.Go(func() {
				g := fake.GroupsOf(cr.OAID)[w%2].ID
				for ctx.Err() == nil {
					_, err := clients[cr.OAID].SendGroupText(ctx, g, "tin")
					switch {
					case err == nil, ctx.Err() != nil:
					case errors.Is(err, context.DeadlineExceeded):
						return // the next turn comes after the end of the run
					case bot.ErrorClass(err) == bot.ClassRateLimited:
						mu.Lock()
						limited++
						mu.Unlock()
					default:
						mu.Lock()
						other = append(other, err)
						mu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("%d sends failed, the first: %v", len(other), other[0])
	}
	st := fake.Stats()
	if limited != 0 || st.RateLimited != 0 {
		t.Errorf("%d answers of -32 (%d by an OA's own limit), the client saw %d; want 0", st.RateLimited, st.OARateLimited, limited)
	}
	var all, ofA []time.Time
	for _, m := range fake.AllMessages() {
		all = append(all, m.Time)
		if m.OAID == a {
			ofA = append(ofA, m.Time)
		}
	}
	peakAll, peakA := peakWindow(all, time.Minute), peakWindow(ofA, time.Minute) // the simulator's minute
	t.Logf("%d messages, %d of A; fullest simulated minute: %d of %d for the app, %d of %d for A",
		len(all), len(ofA), peakAll, appRate, peakA, rateA)
	if peakAll > appRate {
		t.Errorf("%d messages in one simulated minute across the OAs; want at most the app's %d", peakAll, appRate)
	}
	if peakA > rateA {
		t.Errorf("%d messages of A in one simulated minute; want at most its own %d", peakA, rateA)
	}
	// Both limits are used, not just respected: the busiest window comes
	// close to each (98 % is the paced rate; the machine is shared).
	if peakAll < appRate*85/100 {
		t.Errorf("fullest minute held %d messages; want at least 85 %% of %d", peakAll, appRate)
	}
	if peakA < rateA*85/100 {
		t.Errorf("A's fullest minute held %d messages; want at least 85 %% of %d", peakA, rateA)
	}
}

// peakWindow is the most times within any span shorter than w.
func peakWindow(times []time.Time, w time.Duration) int {
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	peak, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= w {
			j++
		}
		peak = max(peak, i-j+1)
	}
	return peak
}

// The token endpoint is the app's: an OA's refresh passes the app's limit
// only, even when the OA's own limit has no room, and a -32 there slows the
// app.
func TestAppRefreshIsTheAppsCall(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(2)...))
	a, b := fake.OAs[0].OAID, fake.OAs[1].OAID
	cfg := appConfig(fake, 4000)
	cfg.RefreshAhead = 48 * time.Hour // every Upkeep refreshes
	app := bot.NewApp(cfg, testLogger(t))
	clients := province(t, fake, app, map[string]int{a: 2})

	// A's own limit (2 a minute: one call paced per minute) is used now.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clients[a].Upkeep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := clients[a].SendGroupText(ctx, fake.GroupsOf(a)[0].ID, "x"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := clients[a].Upkeep(ctx); err != nil {
		t.Fatalf("A's refresh while its own minute is used: %v; want it to go at once", err)
	}
	if got := oaStats(fake)[a].Refreshes; got != 3 { // Upkeep, before the send, Upkeep
		t.Errorf("A refreshed %d times; want 3", got)
	}

	fake.FailNext(1, zalosim.FaultCode(zalosim.CodeRateLimited).On(zalosim.PathAccessToken))
	// A proactive refresh that fails keeps the current token: no error.
	if err := clients[b].Upkeep(context.Background()); err != nil {
		t.Fatalf("B's refresh answered -32: %v; want the current token kept", err)
	}
	if st := fake.Stats(); st.Faults != 1 {
		t.Fatalf("%d faults struck; want the one -32 on B's refresh", st.Faults)
	}
	if time.Until(app.RateLimitedUntil()) < 500*time.Millisecond {
		t.Errorf("a -32 from the token endpoint did not pause the app")
	}
	if !clients[b].State().RateLimitedUntil.IsZero() {
		t.Errorf("a -32 from the token endpoint paused B's own limit; want the app's")
	}
}
