package schedule

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// Senders routes every call that concerns a group through the Sender of
// the group's commune: a delivery by its commune_id, a group's history and
// facts by its hamlet's commune. The Runner and its dispatcher are given
// one and ask it, on one code path: a single commune's daemon is a
// one-commune instance (OneCommune), a province's is a Province. Every
// method is required: a routing that could not say its communes or pick up
// a change of the communes table does not compile.
type Senders interface {
	// For is the Sender of commune id; false when there is none: an
	// inactive commune, or one this process cannot send for (Sync says
	// why).
	For(communeID int64) (Sender, bool)
	// Communes lists the communes there is a Sender for, by code.
	Communes() []CommuneSender
	// RatePerMin is the limit every commune's calls share (negative or 0:
	// none): it sizes the sends in flight.
	RatePerMin() int
	// AppPausedUntil is when the pause after the app's latest -32 ends: a
	// -32 then is the app's, and holds every commune. Zero or past when
	// none is in force.
	AppPausedUntil() time.Time
	// Sync brings the routing up to date with the communes table (every
	// commune, active or not), as `loaxa commune add|edit|enable|disable`
	// or another program left it while the daemon runs: a Sender for a new or
	// re-enabled active commune, none for a disabled one, a new one for a
	// changed rate limit. A call already made through a Sender it drops
	// goes on and is recorded. It returns why, for each active commune
	// it cannot send for; again asks for another Sync soon (a change it had
	// to put off).
	Sync(ctx context.Context, communes []notices.Commune) (unrouted map[int64]string, again bool)
}

// CommuneSender is the Sender of one commune's Official Account.
type CommuneSender struct {
	ID     int64  // communes.id: the deliveries whose commune_id it is go through Sender
	Code   string // the commune's code, for the log and /healthz
	Sender Sender
}

// OneCommune is the routing of a single commune's daemon: its one client
// (on ZALO_* and the database's token pair) sends the deliveries of commune
// id. A commune added while it runs is not sent for: its deliveries would
// go out through this commune's OA, the wrong one. It waits for the
// restart that starts province mode (Sync says so).
type OneCommune struct {
	id     int64
	sender Sender

	mu     sync.Mutex
	code   string
	active bool
}

// NewOneCommune is the routing of commune id through s.
func NewOneCommune(id int64, s Sender) *OneCommune {
	return &OneCommune{id: id, sender: s, active: true}
}

func (o *OneCommune) For(id int64) (Sender, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if id != o.id || !o.active {
		return nil, false
	}
	return o.sender, true
}

func (o *OneCommune) Communes() []CommuneSender {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.active {
		return nil
	}
	return []CommuneSender{{ID: o.id, Code: o.code, Sender: o.sender}}
}

// RatePerMin is the client's own limit.
func (o *OneCommune) RatePerMin() int { return o.sender.RatePerMin() }

// AppPausedUntil: the client's limit is the app's, so every -32 it meets
// holds it all (bot.OAState.RateLimitedUntil of a client of NewClient).
func (o *OneCommune) AppPausedUntil() time.Time { return o.sender.State().RateLimitedUntil }

// Sync follows its commune's code and active flag; every other active
// commune waits for a restart.
func (o *OneCommune) Sync(_ context.Context, communes []notices.Commune) (map[int64]string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out map[int64]string
	for _, c := range communes {
		switch {
		case c.ID == o.id:
			o.code, o.active = c.Code, c.Active
		case c.Active:
			if out == nil {
				out = map[int64]string{}
			}
			out[c.ID] = "loaxa started with one commune and sends through that commune's OA only: " +
				"restart loaxa to start province mode, where each commune sends through its own OA"
		}
	}
	return out, false
}

var (
	_ Senders = (*OneCommune)(nil)
	_ Senders = (*Province)(nil)
)

// sumHealth sums the communes' OAs up: one commune's is its own; with
// several, connected while any can send (the others are paused alone, and
// /healthz lists each), and LastError names those that cannot.
func sumHealth(cs []CommuneSender) bot.TokenHealth {
	if len(cs) == 1 {
		return cs[0].Sender.Health()
	}
	var h bot.TokenHealth
	var down []string
	for _, c := range cs {
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
	switch {
	case len(cs) == 0:
		h.LastError = "không xã nào đang hoạt động có OA để gửi"
	case len(down) > 0:
		h.LastError = "OA chưa kết nối hoặc mất kết nối ở xã " + strings.Join(down, ", ")
	}
	return h
}

// health is the communes' OAs summed up (sumHealth).
func (r *Runner) health() bot.TokenHealth { return sumHealth(r.senders.Communes()) }

// senderFor is the Sender of commune id; nil when there is none.
func (r *Runner) senderFor(id int64) Sender {
	s, _ := r.senders.For(id)
	return s
}

// senderOfGroup is the Sender of the commune whose hamlet has group
// groupID; nil when there is none (an inactive commune).
func (r *Runner) senderOfGroup(ctx context.Context, groupID string) (Sender, error) {
	h, err := r.store.HamletByGroup(ctx, groupID)
	if err != nil {
		return nil, err
	}
	return r.senderFor(h.CommuneID), nil
}

// reconnectAdvice tells how to reconnect the OAs of cs (communes whose OA
// cannot send), each with the command that works for it
// (bot.ConnectCommand of its client's key: --commune in province mode).
func reconnectAdvice(cs []CommuneSender) string {
	cmds := make([]string, 0, len(cs))
	for _, c := range cs {
		cmds = append(cmds, "`"+bot.ConnectCommand(c.Sender.State().OA)+"`")
	}
	each := ""
	if len(cmds) > 1 {
		each = " each"
	}
	return "reconnect" + each + " with " + strings.Join(cmds, ", ") + " or the admin site (Kết nối Zalo OA)"
}

// down lists the communes of cs whose OA cannot send.
func down(cs []CommuneSender) []CommuneSender {
	var out []CommuneSender
	for _, c := range cs {
		if !c.Sender.Health().Connected {
			out = append(out, c)
		}
	}
	return out
}
