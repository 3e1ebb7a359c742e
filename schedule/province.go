package schedule

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/loaxa/loaxa/bot"
)

// CommuneSender is the Sender of one commune's Official Account.
type CommuneSender struct {
	ID     int64  // communes.id: the deliveries whose commune_id it is go through Sender
	Code   string // the commune's code, for the log and /healthz
	Sender Sender
}

// Province is the Sender of a province: one Sender per active commune, each
// its own OA, all sharing the app's limit (bot.App). The Runner routes
// every call that concerns a group through the Sender of the group's
// commune (For): a delivery by its commune_id, a group's history and facts
// by the hamlet's commune. A commune whose OA is disconnected pauses alone:
// the dispatcher claims only the deliveries of communes that can send.
//
// Its own group methods refuse: a call that does not say its commune
// could go out through another commune's OA.
type Province struct {
	// AppPausedUntil, when set, is when the pause after the app's latest
	// -32 ends (bot.App.RateLimitedUntil): a -32 then is the app's, and
	// holds every commune.
	AppPausedUntil func() time.Time

	rate  int
	list  []CommuneSender // by code
	byID  map[int64]Sender
	codes map[int64]string
}

// NewProvince builds the Sender of several communes; appRatePerMin is the
// app-wide limit they share (bot.App.RatePerMin), which sizes the sends
// in flight. Two senders for one commune, or none at all, are an error.
func NewProvince(appRatePerMin int, cs []CommuneSender) (*Province, error) {
	if len(cs) == 0 {
		return nil, errors.New("schedule: a province needs at least one commune's sender")
	}
	p := &Province{rate: appRatePerMin, byID: map[int64]Sender{}, codes: map[int64]string{}}
	for _, c := range cs {
		if c.Sender == nil {
			return nil, fmt.Errorf("schedule: commune %s has no sender", c.Code)
		}
		if _, dup := p.byID[c.ID]; dup {
			return nil, fmt.Errorf("schedule: two senders for commune %d (%s)", c.ID, c.Code)
		}
		p.byID[c.ID], p.codes[c.ID] = c.Sender, c.Code
		p.list = append(p.list, c)
	}
	sort.Slice(p.list, func(i, j int) bool { return p.list[i].Code < p.list[j].Code })
	return p, nil
}

// For is the Sender of commune id; false when the province has none (an
// inactive commune, or one added after the daemon started).
func (p *Province) For(id int64) (Sender, bool) {
	s, ok := p.byID[id]
	return s, ok
}

// Communes lists the communes' senders, by code.
func (p *Province) Communes() []CommuneSender { return append([]CommuneSender(nil), p.list...) }

// connected lists the communes whose OA can send now: connected, and not
// held after a -32 of its own limit (paused: commune id → until when).
func (p *Province) connected(now time.Time, paused map[int64]time.Time) []int64 {
	ids := make([]int64, 0, len(p.list))
	for _, c := range p.list {
		if c.Sender.Health().Connected && !now.Before(paused[c.ID]) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// appPaused reports whether the app's own -32 pause is in force.
func (p *Province) appPaused() bool {
	return p.AppPausedUntil != nil && time.Until(p.AppPausedUntil()) > 0
}

var errUnrouted = errors.New("schedule: a province's call must go through its commune's sender (Province.For)")

func (p *Province) SendGroupText(context.Context, string, string) (string, error) {
	return "", errUnrouted
}
func (p *Province) SendGroupImage(context.Context, string, string, string) (string, error) {
	return "", errUnrouted
}
func (p *Province) UploadImage(context.Context, string, []byte) (string, error) {
	return "", errUnrouted
}
func (p *Province) GroupConversationPage(context.Context, string, int, int) ([]bot.ConversationItem, error) {
	return nil, errUnrouted
}
func (p *Province) GroupInfo(context.Context, string) (bot.GroupDetail, error) {
	return bot.GroupDetail{}, errUnrouted
}

// Health sums the communes up: connected while any commune can send (the
// others are paused alone, and /healthz lists each); LastError names the
// communes that cannot.
func (p *Province) Health() bot.TokenHealth {
	var h bot.TokenHealth
	var down []string
	for _, c := range p.list {
		ch := c.Sender.Health()
		if ch.Connected {
			if !h.Connected || (!ch.AccessExpiresAt.IsZero() && ch.AccessExpiresAt.Before(h.AccessExpiresAt)) {
				h.AccessExpiresAt = ch.AccessExpiresAt
			}
			h.Connected = true
		} else {
			down = append(down, c.Code)
		}
		if ch.LastRefresh.After(h.LastRefresh) {
			h.LastRefresh = ch.LastRefresh
		}
		h.Unsaved = h.Unsaved || ch.Unsaved
		h.RefreshFailing = h.RefreshFailing || ch.RefreshFailing
	}
	if len(down) > 0 {
		h.LastError = "OA chưa kết nối hoặc mất kết nối ở xã " + strings.Join(down, ", ")
	}
	return h
}

// Reload reloads every commune's tokens; the error names those that failed.
func (p *Province) Reload(ctx context.Context) error {
	var errs []error
	for _, c := range p.list {
		if err := c.Sender.Reload(ctx); err != nil {
			errs = append(errs, fmt.Errorf("commune %s: %w", c.Code, err))
		}
	}
	return errors.Join(errs...)
}

// Upkeep keeps every commune's token fresh; one commune's failure does not
// stop the others'.
func (p *Province) Upkeep(ctx context.Context) error {
	var errs []error
	for _, c := range p.list {
		if err := c.Sender.Upkeep(ctx); err != nil {
			errs = append(errs, fmt.Errorf("commune %s: %w", c.Code, err))
		}
	}
	return errors.Join(errs...)
}

// RatePerMin is the app-wide limit every commune's calls share.
func (p *Province) RatePerMin() int { return p.rate }

var _ Sender = (*Province)(nil)

// senderFor is the Sender of commune id: in a province its OA's (nil
// when it has none), else the one.
func (r *Runner) senderFor(id int64) Sender {
	if p, ok := r.sender.(*Province); ok {
		s, ok := p.For(id)
		if !ok {
			return nil
		}
		return s
	}
	return r.sender
}

// senderOfGroup is the Sender of the commune whose hamlet has group
// groupID; nil when there is none (no such hamlet, an inactive commune).
func (r *Runner) senderOfGroup(ctx context.Context, groupID string) (Sender, error) {
	if _, ok := r.sender.(*Province); !ok {
		return r.sender, nil
	}
	h, err := r.store.HamletByGroup(ctx, groupID)
	if err != nil {
		return nil, err
	}
	return r.senderFor(h.CommuneID), nil
}
