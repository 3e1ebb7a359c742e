package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// Thresholds of /healthz (README, Operations).
const (
	// pollFailingAfter consecutive failed poll cycles make the daemon
	// "failing" (503): nothing new is being scheduled. Fewer make it
	// "degraded": one cycle may meet a lock another program holds.
	pollFailingAfter = 3
	// lateAfter is how long the oldest due delivery may wait before the
	// daemon is "degraded": sends are not keeping up, or are stuck.
	lateAfter = 5 * time.Minute
)

// Health states: ok; degraded (working, but something needs a person;
// 200); failing (503).
const (
	HealthOK       = "ok"
	HealthDegraded = "degraded"
	HealthFailing  = "failing"
)

// Health is what /healthz reports.
type Health struct {
	OK         bool      `json:"ok"`       // Status is "ok"
	Status     string    `json:"status"`   // ok, degraded or failing
	Database   string    `json:"database"` // "ok" or the error
	Version    string    `json:"version,omitempty"`
	Zalo       ZaloState `json:"zalo"`
	LastPoll   time.Time `json:"last_poll"`
	Poll       PollState `json:"poll"`
	QueueDepth int       `json:"queue_depth"` // queued, retry and sending deliveries
	// SetAside lists the notices set aside as damaged that still wait for
	// a person (cancel them), with why.
	SetAside []notices.SetAsideNotice `json:"set_aside"`
	// OldestDueAgeSeconds is how long the oldest due delivery that has not
	// gone out has waited; 0 when none is due.
	OldestDueAgeSeconds float64   `json:"oldest_due_age_seconds"`
	OldestDueSince      time.Time `json:"oldest_due_since,omitzero"`
	Problems            []string  `json:"problems,omitempty"`
	// Groups lists what is wrong with the active hamlets' Zalo groups: a
	// package that ends within 7 days or has ended without auto-renewal,
	// a disabled or gone group (each also a problem: "degraded"), and a
	// full one (listed only).
	Groups []notices.GroupAlarm `json:"groups"`
	// Communes is each commune's OA and queue, disabled ones too, when the
	// database has several communes; with one it is left out.
	Communes []CommuneHealth `json:"communes,omitempty"`
}

// PollState is the poll loop's recent record.
type PollState struct {
	ConsecutiveFailures int       `json:"consecutive_failures"`
	FailingSince        time.Time `json:"failing_since,omitzero"`
	LastError           string    `json:"last_error,omitempty"`
}

// ZaloState is the Zalo connection as /healthz reports it.
type ZaloState struct {
	Connected       bool      `json:"connected"`
	AccessExpiresAt time.Time `json:"access_expires_at,omitzero"`
	LastRefresh     time.Time `json:"last_refresh,omitzero"`
	LastError       string    `json:"last_error,omitempty"`
}

// Health checks the database, the Zalo connection, the poll loop, the
// notices set aside and how late the queue is.
func (r *Runner) Health(ctx context.Context) Health {
	h := Health{Status: HealthOK, Database: "ok", Version: r.cfg.Version, SetAside: []notices.SetAsideNotice{}}
	worse := func(status, problem string) {
		if status == HealthFailing || h.Status == HealthOK {
			h.Status = status
		}
		h.Problems = append(h.Problems, problem)
	}
	now := r.now()
	tok := r.health()
	h.Zalo = ZaloState{Connected: tok.Connected, AccessExpiresAt: tok.AccessExpiresAt,
		LastRefresh: tok.LastRefresh, LastError: tok.LastError}
	switch {
	case tok.Unsaved:
		worse(HealthFailing,
			"Zalo rotated the token pair and the database has not stored it yet (it is held in memory): "+
				"make the database writable (free disk space, stop the program holding it) and do not stop loaxa until this clears: "+
				tok.LastError)
	case len(r.senders.Communes()) == 0:
		worse(HealthFailing, "no commune is sent for: each is disabled or waits for a restart (see communes); "+
			"the queue is kept: enable a commune (`loaxa commune enable CODE`) or restart loaxa")
	case !tok.Connected:
		p := "Zalo OA disconnected: sending is paused, the queue is kept; " + reconnectAdvice(down(r.senders.Communes()))
		if tok.LastError != "" {
			p += ": " + tok.LastError
		}
		worse(HealthFailing, p)
	case tok.RefreshFailing:
		p := "Zalo token refresh failed: the stored token pair is kept and the refresh is tried again; " +
			"sending goes on while the access token lasts"
		if !tok.AccessExpiresAt.IsZero() {
			p += " (until " + tok.AccessExpiresAt.In(r.cfg.Location).Format("15:04 02/01/2006") + ")"
		}
		p += ". If it keeps failing, check the way to Zalo's OAuth server (a proxy or firewall)"
		if tok.LastError != "" {
			p += ": " + tok.LastError
		}
		worse(HealthDegraded, p)
	}
	r.communesHealth(ctx, &h, worse)
	depth, err := r.store.QueueDepth(ctx)
	if err != nil {
		h.Database = err.Error()
		worse(HealthFailing, "database: "+err.Error())
	}
	h.QueueDepth = depth
	r.metrics.mu.Lock()
	h.LastPoll = r.metrics.lastPoll
	h.Poll = PollState{ConsecutiveFailures: r.metrics.pollFails, FailingSince: r.metrics.pollFailFrom,
		LastError: r.metrics.pollLastErr}
	r.metrics.mu.Unlock()
	if h.LastPoll.IsZero() || now.Sub(h.LastPoll) > 2*fullCycle {
		worse(HealthFailing, "the poll loop has not run for over two minutes")
	}
	if f := h.Poll.ConsecutiveFailures; f > 0 {
		status := HealthDegraded
		if f >= pollFailingAfter {
			status = HealthFailing
		}
		worse(status, fmt.Sprintf("%d poll cycles in a row have failed, since %s: no new notice is scheduled until one succeeds: %s",
			f, h.Poll.FailingSince.Format(time.RFC3339), h.Poll.LastError))
	}
	b, err := r.backlog(ctx)
	if err != nil {
		h.Database = err.Error()
		worse(HealthFailing, "database: "+err.Error())
	}
	h.SetAside = append(h.SetAside, b.setAside...)
	for _, a := range b.setAside {
		worse(HealthDegraded, fmt.Sprintf("notice %d (%q) set aside as damaged, nothing of it is sent: %s; "+
			"cancel it (loaxa notice cancel %d, or the admin site) and write it again", a.ID, a.Title, a.Reason, a.ID))
	}
	if age := b.oldestDueAge(now); age > 0 {
		h.OldestDueAgeSeconds, h.OldestDueSince = age.Seconds(), b.oldestDue
		if age > lateAfter {
			worse(HealthDegraded, fmt.Sprintf("the oldest due delivery has waited %s (over %s): sends are not keeping up or are stuck",
				age.Round(time.Second), lateAfter))
		}
	}
	alarms, err := r.store.GroupAlarms(ctx, now)
	if err != nil {
		h.Database = err.Error()
		worse(HealthFailing, "database: "+err.Error())
	}
	h.Groups = append([]notices.GroupAlarm{}, alarms...)
	for _, a := range alarms {
		if a.Urgent() {
			worse(HealthDegraded, a.Message)
		}
	}
	h.OK = h.Status == HealthOK
	return h
}

// backlog reads the notices set aside and the oldest due delivery.
func (r *Runner) backlog(ctx context.Context) (backlog, error) {
	var b backlog
	var err error
	if b.setAside, err = r.store.SetAsideNotices(ctx); err != nil {
		return b, err
	}
	age, err := r.oldestDueAge(ctx)
	if err != nil {
		return b, err
	}
	if age > 0 {
		b.oldestDue = r.now().Add(-age)
	}
	return b, nil
}

// HealthHandler serves /healthz: JSON, 200 when healthy, 503 otherwise.
func (r *Runner) HealthHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := r.Health(req.Context())
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if h.Status == HealthFailing {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h)
	})
}

// MetricsHandler serves /metrics in the Prometheus text format.
func (r *Runner) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		counts, err := r.store.DeliveryCounts(req.Context(), time.Time{})
		if err != nil {
			http.Error(w, "database: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		b, err := r.backlog(req.Context())
		if err != nil {
			http.Error(w, "database: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		r.writeMetrics(w, counts, r.health(), b)
		r.writeOpsMetrics(req.Context(), w)
	})
}
