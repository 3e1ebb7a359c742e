package bot

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"
)

// App is one Zalo app (ZALO_APP_ID, ZALO_APP_SECRET) serving the Official
// Accounts of several communes: province mode. Each OA gets its own Client
// (App.Client) with its own TokenStore, hence its own token chain, refresh
// lock and token state; all of them share the app's rate limit
// (Config.RatePerMin, Zalo's 4,000 a minute per app, zalo-oa-api.md §7), its
// HTTP connections and its credentials, and each may have its own package
// limit on top. It is safe for concurrent use.
//
// A dead token (a refused refresh, one that may be spent, none stored)
// stops that OA's client alone: the others go on sending. A -32 that the
// OA's own limit answered slows that OA alone; any other -32 slows every OA
// of the app (the package documentation says how a -32 is read).
type App struct {
	cfg       Config
	autoAhead bool
	http      *resty.Client
	log       zerolog.Logger
	limiter   *limiter // the app-wide limit, shared by every OA's calls

	mu      sync.Mutex
	clients map[string]*Client
}

// NewApp builds an app. cfg is read as by NewClient: RatePerMin is the
// app-wide limit (0: DefaultRatePerMin, negative: none). It does no I/O.
func NewApp(cfg Config, log zerolog.Logger) *App {
	return newApp(cfg, log, time.Minute)
}

// newApp takes the limit's window, which tests scale down.
func newApp(cfg Config, log zerolog.Logger, window time.Duration) *App {
	cfg, autoAhead := normalizeConfig(cfg)
	log = log.With().Str("component", "zalo").Logger()
	return &App{
		cfg:       cfg,
		autoAhead: autoAhead,
		http:      newHTTP(cfg, log),
		log:       log,
		limiter:   newLimiter(cfg.RatePerMin, window),
		clients:   map[string]*Client{},
	}
}

// ErrOAExists is App.Client's answer for a key already in use.
var ErrOAExists = errors.New("bot: the app already has a client for this OA")

// Client builds the client of one OA. oa is the key that names it in logs
// and in States (the commune's code); store keeps that OA's tokens alone,
// and its refresh lock and journal (TokenStore) are that OA's alone too (a
// lock or a mark shared by every OA would make one OA's refresh hold up,
// or one OA's interrupted refresh disconnect, all of them);
// oaRatePerMin is the OA's own package limit (zalo-oa-api.md §7: 100 a
// minute for Growth), 0 or negative for none beyond the app's. A key already
// in use is ErrOAExists (Remove it first). It does no I/O.
func (a *App) Client(oa string, store TokenStore, oaRatePerMin int) (*Client, error) {
	oa = strings.TrimSpace(oa)
	if oa == "" {
		return nil, errors.New("bot: an OA of the app needs a key (the commune's code)")
	}
	if store == nil {
		return nil, fmt.Errorf("bot: OA %s: no token store", oa)
	}
	oaRate := max(oaRatePerMin, 0)
	own := -1 // no own limit: an unlimited limiter, so that the OA's calls pass on to the app's
	if oaRate > 0 {
		own = oaRate
	}
	c := &Client{
		cfg:       a.cfg,
		http:      a.http,
		store:     store,
		log:       a.log.With().Str("oa", oa).Str("commune", oa).Logger(),
		limiter:   newLimiter(own, a.limiter.window),
		now:       time.Now,
		autoAhead: a.autoAhead,
		app:       a,
		oa:        oa,
		oaRate:    oaRate,
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.clients[oa]; ok {
		return nil, fmt.Errorf("%w: %s", ErrOAExists, oa)
	}
	a.clients[oa] = c
	return c, nil
}

// Lookup returns the client of the OA oa, if the app has one.
func (a *App) Lookup(oa string) (*Client, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.clients[oa]
	return c, ok
}

// Remove forgets the client of the OA oa (a commune disabled, or its limit
// changed: build it again). Calls already made through it still count
// against the app's limit; calls it makes from now on do too.
func (a *App) Remove(oa string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.clients, oa)
}

// RatePerMin is the app-wide limit the clients share (Config), negative for
// none. The dispatcher sizes its sends in flight across all OAs from it.
func (a *App) RatePerMin() int { return a.cfg.RatePerMin }

// RateLimitedUntil is when the pause after the app's latest -32 ends: every
// OA's calls wait until then. Zero or past when none is in force.
func (a *App) RateLimitedUntil() time.Time { return a.limiter.pausedUntilTime() }

// States is every OA's state, sorted by key: a commune's line on the
// dashboard and in /healthz. It does no I/O.
func (a *App) States() []OAState {
	a.mu.Lock()
	cs := make([]*Client, 0, len(a.clients))
	for _, c := range a.clients {
		cs = append(cs, c)
	}
	a.mu.Unlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].oa < cs[j].oa })
	out := make([]OAState, len(cs))
	for i, c := range cs {
		out[i] = c.State()
	}
	return out
}

// OAState is what a caller shows for one OA (one commune).
type OAState struct {
	OA         string // the key given to App.Client; "" for a client of NewClient
	RatePerMin int    // the OA's own limit; 0 for none beyond the app's
	// LearnedRatePerMin: the package limit a -32 of this OA named (below
	// the app's, not RatePerMin), which it is held to since; 0 if none.
	LearnedRatePerMin int
	Health            TokenHealth

	// Paused: no call of this OA can go now. Its refresh token was refused
	// or may be spent, or no tokens are stored (Reconnect), or a rotated
	// pair waits for the store to take it (Health.Unsaved). The app's other
	// OAs are not affected.
	Paused bool
	// Reconnect: someone must connect the OA again (`loaxa zalo connect`,
	// the admin site); calls fail with ErrReconnect or ErrNotConnected.
	Reconnect bool
	// RateLimitedUntil: after a -32 of this OA's own limit (for a client of
	// NewClient: any -32), its calls wait until then. Zero or past if none.
	RateLimitedUntil time.Time
}

// State reports the client's state without I/O. Before the first call it
// has not read its store yet: neither paused nor connected.
func (c *Client) State() OAState {
	h := c.Health()
	c.mu.Lock()
	st, pending := c.tok.state, c.tok.pending != nil
	c.mu.Unlock()
	s := OAState{OA: c.oa, RatePerMin: c.oaRate, LearnedRatePerMin: c.limiter.learnedRate(), Health: h,
		RateLimitedUntil: c.limiter.pausedUntilTime()}
	if st == stateDisconnected || st == stateNoTokens {
		s.Paused, s.Reconnect = true, true
	}
	if pending {
		s.Paused = true
	}
	return s
}

// OA is the key the client was built with by App.Client; "" for NewClient.
func (c *Client) OA() string { return c.oa }
