package zalosim

import (
	"encoding/json"
	"net/http"
	"time"
)

// The inspection API under /_sim/ lets loaxa demo and external tools see
// and steer the simulator. It is not part of Zalo's API, needs no token and
// is not rate limited.
//
//	GET    /_sim/messages[?group_id=G|?oa_id=O] recorded messages, oldest first
//	GET    /_sim/stats                   counters, with "oas": each OA's (OAStats)
//	GET    /_sim/oas                     each OA's counters and group count (OAStats)
//	GET    /_sim/credentials[?oa_id=O]   app id, secret, OA id, the OA's current token pair
//	                                      (default OA); ?all=1: a list, one per OA
//	GET    /_sim/groups[?oa_id=O]        groups, each with its "oa_id"
//	POST   /_sim/groups                  {"group_id":"…","name":"…","oa_id":"…"} adds a group
//	                                      (to the default OA without oa_id)
//	PATCH  /_sim/groups/{id}            {"total_member":N,"max_member":N,"disabled":B,"auto_renew":B,
//	                                      "valid_through":"dd/mm/yyyy","valid_days":N} changes a group
//	POST   /_sim/groups/{id}/chatter     {"count":N,"text":"…"} N messages from members
//	GET    /_sim/faults                  queued faults, fault rates, delay
//	POST   /_sim/faults                  {"kind":"5xx|send_failed|slow|lost_answer|code",
//	                                      "code":-248,"status":502,"delay_ms":3000,"path":"…","oa_id":"…",
//	                                      "next":N | "rate":P}
//	DELETE /_sim/faults                  clears faults and delay
//	POST   /_sim/delay                   {"delay_ms":N} delays every API call
//	POST   /_sim/rate                    {"rate_per_min":N} (0 = unlimited): the app-wide
//	                                      limit, or with "oa_id" that OA's own
//	POST   /_sim/expire-tokens[?oa_id=O] expires every access token (of one OA)
//	GET    /_sim/attachments/{id}        an uploaded image
func (s *Server) inspectRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /_sim/messages", func(w http.ResponseWriter, r *http.Request) {
		msgs := s.AllMessages()
		if g := r.URL.Query().Get("group_id"); g != "" {
			msgs = s.Messages(g)
		}
		if oa := r.URL.Query().Get("oa_id"); oa != "" {
			var mine []Message
			for _, m := range msgs {
				if m.OAID == oa {
					mine = append(mine, m)
				}
			}
			msgs = mine
		}
		if msgs == nil {
			msgs = []Message{}
		}
		writeJSON(w, http.StatusOK, msgs)
	})
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, struct {
			Stats
			OAs []OAStats `json:"oas"`
		}{s.Stats(), s.OAStats()})
	})
	m.HandleFunc("GET /_sim/oas", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.OAStats())
	})
	m.HandleFunc("GET /_sim/credentials", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("all") == "1":
			writeJSON(w, http.StatusOK, s.AllCredentials())
		case q.Get("oa_id") != "":
			c, ok := s.OACredentials(q.Get("oa_id"))
			if !ok {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such OA"})
				return
			}
			writeJSON(w, http.StatusOK, c)
		default:
			writeJSON(w, http.StatusOK, s.Credentials())
		}
	})
	m.HandleFunc("GET /_sim/groups", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.simGroups(r.URL.Query().Get("oa_id")))
	})
	m.HandleFunc("POST /_sim/groups", func(w http.ResponseWriter, r *http.Request) {
		var g struct {
			Group
			OAID string `json:"oa_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&g); err != nil || g.ID == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"group_id\":\"…\",\"name\":\"…\"}"})
			return
		}
		if err := s.AddGroupTo(g.OAID, g.Group); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, s.simGroups(""))
	})
	s.steerRoutes(m)
	m.HandleFunc("POST /_sim/groups/{id}/chatter", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Count int    `json:"count"`
			Text  string `json:"text"`
			Name  string `json:"name"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Count < 1 || req.Count > 10000 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"count\":N} with 1 <= N <= 10000"})
			return
		}
		if req.Text == "" {
			req.Text = "Cảm ơn ban điều hành ấp"
		}
		for range req.Count {
			if _, ok := s.PostAsMember(r.PathValue("id"), req.Name, req.Text); !ok {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such group"})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]int{"posted": req.Count})
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	m.HandleFunc("POST /_sim/faults", s.postFault)
	m.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		writeJSON(w, http.StatusOK, s.Faults())
	})
	m.HandleFunc("POST /_sim/delay", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			DelayMS int `json:"delay_ms"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.DelayMS < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"delay_ms\":N}"})
			return
		}
		s.SetDelay(time.Duration(req.DelayMS) * time.Millisecond)
		writeJSON(w, http.StatusOK, s.Faults())
	})
	m.HandleFunc("POST /_sim/rate", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			RatePerMin int    `json:"rate_per_min"`
			OAID       string `json:"oa_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.RatePerMin < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"rate_per_min\":N}"})
			return
		}
		if req.OAID == "" {
			s.SetRatePerMin(req.RatePerMin)
		} else if err := s.SetOARatePerMin(req.OAID, req.RatePerMin); err != nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"rate_per_min": req.RatePerMin, "oa_id": req.OAID})
	})
	m.HandleFunc("POST /_sim/expire-tokens", func(w http.ResponseWriter, r *http.Request) {
		if oa := r.URL.Query().Get("oa_id"); oa != "" {
			if err := s.ExpireAccessTokensOf(oa); err != nil {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
				return
			}
		} else {
			s.ExpireAccessTokens()
		}
		writeJSON(w, http.StatusOK, map[string]bool{"expired": true})
	})
	m.HandleFunc("GET /_sim/attachments/{id}", s.serveAttachment)
}

// simGroup is a group as /_sim/groups shows it: with the OA that owns it.
type simGroup struct {
	Group
	OAID string `json:"oa_id"`
}

// simGroups lists every group, or one OA's (oaID not empty).
func (s *Server) simGroups(oaID string) []simGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []simGroup{}
	for _, g := range s.groups {
		if oaID == "" || g.oa.id == oaID {
			out = append(out, simGroup{g.Group, g.oa.id})
		}
	}
	return out
}

// faultRequest is the body of POST /_sim/faults.
type faultRequest struct {
	Kind    string  `json:"kind"`
	Code    int     `json:"code"`
	Status  int     `json:"status"`
	DelayMS int     `json:"delay_ms"`
	Path    string  `json:"path"`
	OAID    string  `json:"oa_id"`
	Next    int     `json:"next"`
	Rate    float64 `json:"rate"`
}

func (s *Server) postFault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body is not JSON"})
		return
	}
	var f Fault
	switch req.Kind {
	case "5xx":
		f = Fault5xx
		if req.Status != 0 {
			f.Status = req.Status
		}
	case "send_failed":
		f = FaultSendFailed
	case "slow":
		f = FaultSlow
		if req.DelayMS > 0 {
			f.Delay = time.Duration(req.DelayMS) * time.Millisecond
		}
	case "slow_answer":
		f = FaultSlowAnswer
		if req.DelayMS > 0 {
			f.Delay = time.Duration(req.DelayMS) * time.Millisecond
		}
	case "lost_answer":
		f = FaultLostAnswer
	case "code":
		if req.Code >= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "code must be negative"})
			return
		}
		f = FaultCode(req.Code)
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "kind must be 5xx, send_failed, slow, slow_answer, lost_answer or code"})
		return
	}
	f.Path, f.OAID = req.Path, req.OAID
	if req.OAID != "" {
		if _, ok := s.OACredentials(req.OAID); !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "no such OA: " + req.OAID})
			return
		}
	}
	switch {
	case req.Next > 0:
		s.FailNext(req.Next, f)
	case req.Rate >= 0 && req.Rate <= 1:
		s.SetFaultRate(f, req.Rate)
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "give next (N > 0) or rate (0..1)"})
		return
	}
	writeJSON(w, http.StatusOK, s.Faults())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
