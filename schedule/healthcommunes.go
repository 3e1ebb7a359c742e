package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CommuneHealth is one commune's line in /healthz (a database of several
// communes): its OA and its queue. A commune whose OA is disconnected is
// paused alone; so is one that is disabled, or that the daemon cannot send
// for yet (Reason), and its queue waits.
type CommuneHealth struct {
	Code            string    `json:"code"`
	Active          bool      `json:"active"` // false: disabled (loaxa commune disable): nothing of it is claimed
	Connected       bool      `json:"connected"`
	Paused          bool      `json:"paused"` // its deliveries wait: its OA cannot send, or it is disabled
	AccessExpiresAt time.Time `json:"access_expires_at,omitzero"`
	LastRefresh     time.Time `json:"last_refresh,omitzero"`
	LastError       string    `json:"last_error,omitempty"`
	QueueDepth      int       `json:"queue_depth"` // its queued, retry and sending deliveries
	// Held: a disabled commune's deliveries still to send (its QueueDepth),
	// held on purpose until it is enabled again; loaxa_commune_queue_depth
	// with disabled="1". They do not count toward the instance's oldest
	// due delivery. 0 for an active commune.
	Held int `json:"held"`
}

// communesHealth fills h.Communes when the database has several communes,
// and names among the problems the communes whose deliveries cannot go
// out: "degraded" while some still send (all paused is the disconnected
// failure Health reports already). A disabled commune with nothing queued
// is listed only.
func (r *Runner) communesHealth(ctx context.Context, h *Health, worse func(status, problem string)) {
	cs, err := r.store.Communes(ctx)
	if err == nil && len(cs) < 2 {
		return
	}
	depth, derr := r.store.QueueDepthByCommune(ctx)
	if err = errors.Join(err, derr); err != nil {
		h.Database = err.Error()
		worse(HealthFailing, "database: "+err.Error())
	}
	r.communes.mu.Lock()
	unrouted := r.communes.unrouted
	r.communes.mu.Unlock()
	h.Communes = []CommuneHealth{}
	var off, waiting []string
	var paused []CommuneSender
	sending := 0
	for _, c := range cs {
		ch := CommuneHealth{Code: c.Code, Active: c.Active, QueueDepth: depth[c.ID]}
		s, ok := r.senders.For(c.ID)
		switch {
		case !c.Active:
			ch.Paused, ch.Held = ch.QueueDepth > 0, ch.QueueDepth
			if ch.Paused {
				off = append(off, fmt.Sprintf("%s (%d)", c.Code, ch.QueueDepth))
			}
		case ok:
			t := s.Health()
			ch.Connected, ch.Paused = t.Connected, !t.Connected
			ch.AccessExpiresAt, ch.LastRefresh, ch.LastError = t.AccessExpiresAt, t.LastRefresh, t.LastError
			if t.Connected {
				sending++
			} else {
				paused = append(paused, CommuneSender{ID: c.ID, Code: c.Code, Sender: s})
			}
		default:
			// Active, with no Sender: added while a single commune's
			// daemon runs, or its client could not be made.
			ch.Paused, ch.LastError = true, unrouted[c.ID]
			if ch.LastError == "" {
				ch.LastError = "not picked up yet: the daemon looks at the communes every poll cycle"
			}
			waiting = append(waiting, c.Code+": "+ch.LastError)
		}
		h.Communes = append(h.Communes, ch)
	}
	if len(paused) > 0 && sending > 0 {
		codes := make([]string, len(paused))
		for i, c := range paused {
			codes[i] = c.Code
		}
		worse(HealthDegraded, "Zalo OA disconnected for commune "+strings.Join(codes, ", ")+
			": its sending is paused and its queue kept, the other communes go on; "+reconnectAdvice(paused))
	}
	if len(off) > 0 {
		worse(HealthDegraded, "commune disabled with deliveries held (count): "+strings.Join(off, ", ")+
			": they are not sent, and not counted as late; enable it again to send them (`loaxa commune enable CODE`)")
	}
	for _, w := range waiting {
		worse(HealthDegraded, "commune "+w+"; its deliveries wait in the queue")
	}
}
