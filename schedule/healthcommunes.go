package schedule

import (
	"context"
	"strings"
	"time"
)

// CommuneHealth is one commune's line in /healthz (province mode): its OA
// and its queue. A commune whose OA is disconnected is paused alone.
type CommuneHealth struct {
	Code            string    `json:"code"`
	Connected       bool      `json:"connected"`
	Paused          bool      `json:"paused"` // its deliveries wait: its OA cannot send
	AccessExpiresAt time.Time `json:"access_expires_at,omitzero"`
	LastRefresh     time.Time `json:"last_refresh,omitzero"`
	LastError       string    `json:"last_error,omitempty"`
	QueueDepth      int       `json:"queue_depth"`
}

// communesHealth fills h.Communes in province mode and names the paused
// communes among the problems: "degraded" while some still send (all
// paused is the disconnected failure Health reports already).
func (r *Runner) communesHealth(ctx context.Context, h *Health, worse func(status, problem string)) {
	p, ok := r.sender.(*Province)
	if !ok {
		return
	}
	depth, err := r.store.QueueDepthByCommune(ctx)
	if err != nil {
		h.Database = err.Error()
		worse(HealthFailing, "database: "+err.Error())
	}
	h.Communes = []CommuneHealth{}
	var paused []string
	for _, c := range p.list {
		t := c.Sender.Health()
		ch := CommuneHealth{Code: c.Code, Connected: t.Connected, Paused: !t.Connected,
			AccessExpiresAt: t.AccessExpiresAt, LastRefresh: t.LastRefresh, LastError: t.LastError,
			QueueDepth: depth[c.ID]}
		if !t.Connected {
			paused = append(paused, c.Code)
		}
		h.Communes = append(h.Communes, ch)
	}
	if len(paused) > 0 && len(paused) < len(p.list) {
		worse(HealthDegraded, "Zalo OA disconnected for commune "+strings.Join(paused, ", ")+
			": its sending is paused and its queue kept, the other communes go on; reconnect with "+
			"`loaxa zalo connect --commune CODE` or the admin site")
	}
}
