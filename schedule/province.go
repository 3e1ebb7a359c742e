package schedule

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// Province is the routing of a province: a client of its own OA for each
// active commune (bot.App.Client, on the commune's token pair
// Store.CommuneTokens and its package limit communes.rate_per_min), all
// sharing the app's limit. A commune whose OA is disconnected pauses alone:
// the dispatcher claims only the deliveries of communes that can send.
// Sync follows the communes table while the daemon runs.
type Province struct {
	app   *bot.App
	store *notices.Store
	log   zerolog.Logger

	mu   sync.Mutex
	list []CommuneSender // by code
	byID map[int64]*provinceOA
	// unsaved: clients of communes disabled while they held a rotated
	// token pair the database had not stored; each Sync tries to store it.
	unsaved []*provinceOA
}

// provinceOA is one commune's client and the row it was built from.
type provinceOA struct {
	commune notices.Commune
	client  *bot.Client
}

// NewProvince builds the routing of communes (every one, active or not)
// through app: a client for each active one. None active, or a client
// that cannot be built, is an error.
func NewProvince(app *bot.App, store *notices.Store, communes []notices.Commune, log zerolog.Logger) (*Province, error) {
	p := &Province{app: app, store: store, log: log, byID: map[int64]*provinceOA{}}
	for _, c := range communes {
		if !c.Active {
			continue
		}
		cl, err := app.Client(c.Code, store.CommuneTokens(c.ID), c.RatePerMin)
		if err != nil {
			return nil, fmt.Errorf("commune %s: %w", c.Code, err)
		}
		p.byID[c.ID] = &provinceOA{commune: c, client: cl}
	}
	if len(p.byID) == 0 {
		return nil, errors.New("schedule: a province needs at least one active commune")
	}
	p.relist()
	return p, nil
}

// relist rebuilds list from byID; the caller holds mu (or owns p).
func (p *Province) relist() {
	p.list = p.list[:0:0]
	for id, o := range p.byID {
		p.list = append(p.list, CommuneSender{ID: id, Code: o.commune.Code, Sender: o.client})
	}
	sort.Slice(p.list, func(i, j int) bool { return p.list[i].Code < p.list[j].Code })
}

// For is the Sender of commune id; false for an inactive commune.
func (p *Province) For(id int64) (Sender, bool) {
	c, ok := p.Client(id)
	if !ok {
		return nil, false // an untyped nil, not a nil *bot.Client
	}
	return c, true
}

// Client is commune id's own OA client, as For, for the site (connecting
// it, listing its groups); false for an inactive commune. It follows Sync:
// a commune enabled while the daemon runs has one from then on.
func (p *Province) Client(id int64) (*bot.Client, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.byID[id]
	if !ok {
		return nil, false
	}
	return o.client, true
}

// Communes lists the active communes' senders, by code.
func (p *Province) Communes() []CommuneSender {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]CommuneSender(nil), p.list...)
}

// RatePerMin is the app-wide limit every commune's calls share.
func (p *Province) RatePerMin() int { return p.app.RatePerMin() }

// AppPausedUntil is the app's own -32 pause (bot.App.RateLimitedUntil).
func (p *Province) AppPausedUntil() time.Time { return p.app.RateLimitedUntil() }

// Sync builds a client for each active commune that has none (added or
// enabled while the daemon runs), drops the client of each commune
// disabled, and builds again the client of a commune whose code or rate
// limit changed. A dropped client's calls in flight go on: the dispatcher
// holds it until their outcomes are recorded. A client holding a rotated
// token pair that the database has not taken yet (Health.Unsaved) is
// kept until it has stored it: dropping it would lose the pair, and with
// it the OA's connection; again asks for the next try.
//
// Sync is called by one goroutine at a time (the poll loop): it is the one
// writer of the routing, and it does its I/O (the token store) without
// holding the lock the dispatcher's For waits on.
func (p *Province) Sync(ctx context.Context, communes []notices.Commune) (map[int64]string, bool) {
	byID := maps.Clone(p.byID) // the one writer reads without the lock
	var unrouted map[int64]string
	again := false
	kept := p.unsaved[:0]
	for _, o := range p.unsaved {
		if !p.release(ctx, o) {
			kept, again = append(kept, o), true
		}
	}
	p.unsaved = kept
	seen := map[int64]bool{}
	for _, c := range communes {
		seen[c.ID] = true
		o := byID[c.ID]
		if o != nil && c.Active && o.commune.Code == c.Code && o.commune.RatePerMin == c.RatePerMin {
			o.commune = c
			continue
		}
		if o != nil {
			if !p.release(ctx, o) {
				again = true
				if c.Active {
					continue // keeps sending with the old limit until it is released
				}
				p.unsaved = append(p.unsaved, o)
			}
			delete(byID, c.ID)
			if !c.Active {
				p.log.Info().Str("commune", c.Code).Msg("commune disabled: nothing more of it is claimed; its sends in flight finish and are recorded")
				continue
			}
		}
		if !c.Active {
			continue
		}
		cl, err := p.app.Client(c.Code, p.store.CommuneTokens(c.ID), c.RatePerMin)
		if err != nil {
			if unrouted == nil {
				unrouted = map[int64]string{}
			}
			unrouted[c.ID] = "no Zalo client could be made for its OA: " + err.Error()
			again = true
			continue
		}
		if err := cl.Reload(ctx); err != nil {
			p.log.Warn().Err(err).Str("commune", c.Code).Msg("commune's Zalo OA is not connected yet: its deliveries wait in the queue until it is")
		}
		byID[c.ID] = &provinceOA{commune: c, client: cl}
		verb := "commune picked up"
		if o != nil {
			verb = "commune's Zalo client rebuilt after its code or rate limit changed"
		}
		p.log.Info().Str("commune", c.Code).Int("rate_per_min", c.RatePerMin).Msg(verb + ": it sends through its own OA from now on")
	}
	for id, o := range byID { // a row gone from the table: as disabled
		if !seen[id] {
			if !p.release(ctx, o) {
				p.unsaved, again = append(p.unsaved, o), true
			}
			delete(byID, id)
		}
	}
	p.mu.Lock()
	p.byID = byID
	p.relist()
	p.mu.Unlock()
	return unrouted, again
}

// release forgets o's client in the app, once it holds no rotated pair
// the database has not stored (it tries to store it first); false when
// it still does.
func (p *Province) release(ctx context.Context, o *provinceOA) bool {
	if o.client.Health().Unsaved {
		_ = o.client.Reload(ctx) // stores the pending pair first
		if o.client.Health().Unsaved {
			p.log.Warn().Str("commune", o.commune.Code).
				Msg("the commune's Zalo client still holds a token pair the database has not stored: it is kept until it has")
			return false
		}
	}
	p.app.Remove(o.commune.Code)
	return true
}
