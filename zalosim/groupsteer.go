package zalosim

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// Steering a group's facts, for tests and demos of loaxa's group checks:
// its member count and ceiling (a full group), its GMF package's end and
// auto-renewal (an expiring or expired package), and a disabled group.

// disabledLocked reports whether sends to g answer -237: it was disabled,
// or its package has ended and does not renew. A package "valid through"
// a day is valid until that day ends in Vietnam. Called with s.mu held.
func (s *Server) disabledLocked(g *groupState) bool {
	if g.Disabled {
		return true
	}
	if g.ValidThrough.IsZero() || g.AutoRenew {
		return false
	}
	d := g.ValidThrough.In(vietnam)
	end := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, vietnam)
	return !s.now().Before(end)
}

// GroupPatch changes some of a group's facts; nil fields are left as they
// are.
type GroupPatch struct {
	Name      *string `json:"name,omitempty"`
	Members   *int    `json:"total_member,omitempty"`
	MaxMember *int    `json:"max_member,omitempty"`
	Disabled  *bool   `json:"disabled,omitempty"`
	AutoRenew *bool   `json:"auto_renew,omitempty"`
	// ValidThrough is the package's last valid day, "dd/mm/yyyy" (as Zalo
	// writes it) or RFC 3339; ValidDays sets it that many days from now
	// (negative: already expired). ValidDays wins when both are given.
	ValidThrough *string `json:"valid_through,omitempty"`
	ValidDays    *int    `json:"valid_days,omitempty"`
}

// ErrNoSuchGroup is UpdateGroup's answer for a group the OA does not have.
var ErrNoSuchGroup = errors.New("no such group")

// UpdateGroup applies p to the group id and returns it; nothing changes
// when the OA has no such group (ErrNoSuchGroup) or a date is unreadable.
func (s *Server) UpdateGroup(id string, p GroupPatch) (Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.byID[id]
	if !found {
		return Group{}, ErrNoSuchGroup
	}
	var vt time.Time
	switch {
	case p.ValidDays != nil:
		n := s.now().In(vietnam)
		vt = time.Date(n.Year(), n.Month(), n.Day()+*p.ValidDays, 0, 0, 0, 0, vietnam)
	case p.ValidThrough != nil:
		var err error
		if vt, err = time.ParseInLocation("02/01/2006", *p.ValidThrough, vietnam); err != nil {
			if vt, err = time.Parse(time.RFC3339, *p.ValidThrough); err != nil {
				return Group{}, errors.New("valid_through: want dd/mm/yyyy or RFC 3339")
			}
		}
	}
	if !vt.IsZero() {
		g.ValidThrough = vt
	}
	if p.Name != nil {
		g.Name = *p.Name
	}
	if p.Members != nil && *p.Members >= 0 {
		g.Members = *p.Members
	}
	if p.MaxMember != nil && *p.MaxMember >= 0 {
		g.MaxMember = *p.MaxMember
	}
	if p.Disabled != nil {
		g.Disabled = *p.Disabled
	}
	if p.AutoRenew != nil {
		g.AutoRenew = *p.AutoRenew
	}
	return g.Group, nil
}

// steerRoutes adds PATCH /_sim/groups/{id} to the inspection API.
func (s *Server) steerRoutes(m *http.ServeMux) {
	m.HandleFunc("PATCH /_sim/groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		var p GroupPatch
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body is not a JSON object of the fields to change"})
			return
		}
		g, err := s.UpdateGroup(r.PathValue("id"), p)
		switch {
		case errors.Is(err, ErrNoSuchGroup):
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
			return
		case err != nil:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, g)
	})
}
