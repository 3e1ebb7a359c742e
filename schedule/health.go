package schedule

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Health is what /healthz reports.
type Health struct {
	OK         bool      `json:"ok"`
	Database   string    `json:"database"` // "ok" or the error
	Zalo       ZaloState `json:"zalo"`
	LastPoll   time.Time `json:"last_poll"`
	QueueDepth int       `json:"queue_depth"` // queued, retry and sending deliveries
	Problems   []string  `json:"problems,omitempty"`
}

// ZaloState is the Zalo connection as /healthz reports it.
type ZaloState struct {
	Connected       bool      `json:"connected"`
	AccessExpiresAt time.Time `json:"access_expires_at,omitzero"`
	LastRefresh     time.Time `json:"last_refresh,omitzero"`
	LastError       string    `json:"last_error,omitempty"`
}

// Health checks the database, the Zalo connection and the poll loop.
func (r *Runner) Health(ctx context.Context) Health {
	h := Health{OK: true, Database: "ok"}
	tok := r.sender.Health()
	h.Zalo = ZaloState{Connected: tok.Connected, AccessExpiresAt: tok.AccessExpiresAt,
		LastRefresh: tok.LastRefresh, LastError: tok.LastError}
	switch {
	case tok.Unsaved:
		h.OK = false
		h.Problems = append(h.Problems,
			"Zalo rotated the token pair and the database has not stored it yet (it is held in memory): "+
				"make the database writable (free disk space, stop the program holding it) and do not stop loaxa until this clears: "+
				tok.LastError)
	case !tok.Connected:
		h.OK = false
		p := "Zalo OA disconnected: sending is paused, the queue is kept; reconnect with `loaxa zalo connect` " +
			"or the admin site (Kết nối Zalo OA)"
		if tok.LastError != "" {
			p += ": " + tok.LastError
		}
		h.Problems = append(h.Problems, p)
	case tok.RefreshFailing:
		h.OK = false
		p := "Zalo token refresh failed: the stored token pair is kept and the refresh is tried again; " +
			"sending goes on while the access token lasts"
		if !tok.AccessExpiresAt.IsZero() {
			p += " (until " + tok.AccessExpiresAt.In(r.cfg.Location).Format("15:04 02/01/2006") + ")"
		}
		p += ". If it keeps failing, check the way to Zalo's OAuth server (a proxy or firewall)"
		if tok.LastError != "" {
			p += ": " + tok.LastError
		}
		h.Problems = append(h.Problems, p)
	}
	depth, err := r.store.QueueDepth(ctx)
	if err != nil {
		h.OK = false
		h.Database = err.Error()
		h.Problems = append(h.Problems, "database: "+err.Error())
	}
	h.QueueDepth = depth
	r.metrics.mu.Lock()
	h.LastPoll = r.metrics.lastPoll
	r.metrics.mu.Unlock()
	if h.LastPoll.IsZero() || r.now().Sub(h.LastPoll) > 2*fullCycle {
		h.OK = false
		h.Problems = append(h.Problems, "the poll loop has not run for over two minutes")
	}
	return h
}

// HealthHandler serves /healthz: JSON, 200 when healthy, 503 otherwise.
func (r *Runner) HealthHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := r.Health(req.Context())
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !h.OK {
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
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		r.writeMetrics(w, counts, r.sender.Health())
	})
}
