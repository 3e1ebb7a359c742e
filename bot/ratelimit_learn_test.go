package bot_test

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// setOARate sets an OA's package limit in the simulator over HTTP, as an
// operator of the simulator does (POST /_sim/rate with oa_id).
func setOARate(t *testing.T, fake *zalosimtest.Server, oaID string, perMin int) {
	t.Helper()
	body := `{"rate_per_min":` + strconv.Itoa(perMin) + `,"oa_id":"` + oaID + `"}`
	resp, err := http.Post(fake.URL+"/_sim/rate", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sim/rate: HTTP %d", resp.StatusCode)
	}
}

// An OA whose package limit (10 a minute) nobody entered sends flat out:
// the first -32 teaches the limit, and then no other -32 comes (the calls
// already in Zalo's sliding window are counted, not only those after the
// -32), and the OA goes on at close to its limit, not at half of it after
// a doubling pause. The simulator's clock runs 10 times faster and the
// client's window is 6 s.
func TestAppLearntLimitCountsTheFullWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("14 s of sending; not under -short")
	}
	const (
		speed   = 10
		window  = time.Minute / speed
		appRate = 120
		oaRate  = 10
		workers = 2
		run     = window * 23 / 10
	)
	start := time.Now()
	clock := func() time.Time { return start.Add(time.Since(start) * speed) }
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(0)...), zalosim.WithRatePerMin(appRate),
		zalosim.WithClock(clock))
	a := fake.OAs[0].OAID
	setOARate(t, fake, a, oaRate)
	app := bot.NewAppWindow(appConfig(fake, appRate), zerolog.Nop(), window)
	clients := province(t, fake, app, nil) // nobody entered A's limit

	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		limited int
		other   []error
	)
	for w := range workers {
		wg.Go(func() {
			g := fake.GroupsOf(a)[w%2].ID
			for ctx.Err() == nil {
				_, err := clients[a].SendGroupText(ctx, g, "tin")
				switch {
				case err == nil, ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded):
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
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("%d sends failed, the first: %v", len(other), other[0])
	}
	if got := clients[a].State().LearnedRatePerMin; got != oaRate {
		t.Fatalf("A learnt a limit of %d; want %d from the -32", got, oaRate)
	}
	st := oaStats(fake)[a]
	if st.OARateLimited > workers {
		t.Errorf("A's own limit refused %d calls (the client saw %d); want at most %d, those in flight at the first -32",
			st.OARateLimited, limited, workers)
	}
	var ofA []time.Time
	for _, m := range fake.AllMessages() {
		if m.OAID == a {
			ofA = append(ofA, m.Time)
		}
	}
	sort.Slice(ofA, func(i, j int) bool { return ofA[i].Before(ofA[j]) })
	if len(ofA) < oaRate {
		t.Fatalf("A sent %d messages; want its first minute's %d at least", len(ofA), oaRate)
	}
	// The minute after the first one's calls left Zalo's window: the
	// learnt pace alone holds A, and it comes close to the limit.
	var steady []time.Time
	for _, at := range ofA {
		if !at.Before(ofA[oaRate-1].Add(time.Minute)) {
			steady = append(steady, at)
		}
	}
	peak := peakWindow(steady, time.Minute)
	t.Logf("%d messages of A, %d refused by its limit; fullest simulated minute after the first: %d of %d",
		len(ofA), st.OARateLimited, peak, oaRate)
	if peak < oaRate*8/10 {
		t.Errorf("A's fullest minute once its limit was learnt held %d messages; want at least 80 %% of %d", peak, oaRate)
	}
	if all := peakWindow(ofA, time.Minute); all > oaRate {
		t.Errorf("%d messages of A in one simulated minute; want at most %d", all, oaRate)
	}
}

// The log line that reports a learnt limit names the command that
// configures it, in the form `loaxa commune edit` takes (the commune's
// code first; --code would be a new code).
func TestAppLearntLimitLogNamesTheCommand(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(3)...), zalosim.WithRatePerMin(4000))
	a := fake.OAs[0]
	var logs logBuffer
	app := bot.NewApp(appConfig(fake, 4000), zerolog.New(&logs))
	store := &memStore{}
	store.set(a.AccessToken, a.RefreshToken, time.Now().Add(24*time.Hour))
	c, err := app.Client("xa-khanh-binh", store, 0)
	if err != nil {
		t.Fatal(err)
	}
	useUp(t, fake, a.AccessToken, 3)
	if _, err := c.SendGroupText(context.Background(), fake.GroupsOf(a.OAID)[0].ID, "x"); bot.ErrorClass(err) != bot.ClassRateLimited {
		t.Fatalf("send over the package limit: %v; want -32", err)
	}
	out := logs.String()
	if want := "loaxa commune edit xa-khanh-binh --rate-per-min 3"; !strings.Contains(out, want) {
		t.Errorf("log does not name %q:\n%s", want, out)
	}
	if strings.Contains(out, "--code") {
		t.Errorf("log names --code, which `commune edit` takes for a new code:\n%s", out)
	}
}

// TestAppMinus32AboveTheOAsConfiguredLimitIsTheApps: a -32 whose
// X-RateLimit-Limit is above the limit configured for this OA cannot be
// its package's (loaxa paces it below that): it is read as the app's, and
// the log does not tell staff to raise the commune's limit to it (probe6
// sending F7: "commune edit --rate-per-min 40" for a commune set at 20).
func TestAppMinus32AboveTheOAsConfiguredLimitIsTheApps(t *testing.T) {
	fake := zalosimtest.New(t, zalosim.WithOAs(threeOAs(3)...), zalosim.WithRatePerMin(4000))
	a := fake.OAs[0]
	var logs logBuffer
	app := bot.NewApp(appConfig(fake, 4000), zerolog.New(&logs))
	store := &memStore{}
	store.set(a.AccessToken, a.RefreshToken, time.Now().Add(24*time.Hour))
	c, err := app.Client("xa-khanh-binh", store, 2)
	if err != nil {
		t.Fatal(err)
	}
	useUp(t, fake, a.AccessToken, 3)
	if _, err := c.SendGroupText(context.Background(), fake.GroupsOf(a.OAID)[0].ID, "x"); bot.ErrorClass(err) != bot.ClassRateLimited {
		t.Fatalf("send over the limit: %v; want -32", err)
	}
	out := logs.String()
	if strings.Contains(out, "--rate-per-min 3") || !strings.Contains(out, "read as the app's") {
		t.Errorf("a -32 naming 3 for an OA configured at 2 was not read as the app's:\n%s", out)
	}
}
