package zalosim

import (
	"errors"
	"fmt"
	"time"
)

// Several Official Accounts under one app (docs/zalosim.md, "Several OAs").
// Zalo's OAuth v4 is per OA: each OA admin authorises the app for that OA
// (zalo-oa-api.md §1), the callback names the OA (oa_id) and the token pair
// then acts for that OA alone, with its own single-use refresh chain. Groups
// are owned by one OA (§3): any other OA is "not in group" (-403). The rate
// limit is per app (4,000/min) and also per OA by package (§7, S11).

// OA is one Official Account the simulated app serves, with its groups and
// its own token chain. Empty credentials are generated.
type OA struct {
	ID           string  `json:"oa_id"`
	Name         string  `json:"name"`
	Groups       []Group `json:"groups"`
	RefreshToken string  `json:"refresh_token,omitempty"` // initial valid refresh token
	AccessToken  string  `json:"access_token,omitempty"`  // initial valid access token
	// RatePerMin is the OA's own sliding-window limit (its package's, §7),
	// held on top of the app-wide Config.RatePerMin; 0 = none.
	RatePerMin int `json:"rate_per_min,omitempty"`
	// Secret is the OA Secret Key that signs this OA's webhook events;
	// empty: Config.OASecret, the app's (docs/zalosim.md).
	Secret string `json:"oa_secret,omitempty"`
}

// OAStats counts what one OA's calls met.
type OAStats struct {
	OAID       string `json:"oa_id"`
	Name       string `json:"name"`
	Groups     int    `json:"groups"`
	RatePerMin int    `json:"rate_per_min"` // the OA's own limit; 0 = none
	// Requests counts OpenAPI calls carrying one of this OA's access
	// tokens (valid or not), refused ones included; token endpoint calls
	// are Refreshes and CodeExchanges.
	Requests      int `json:"requests"`
	Sends         int `json:"sends"`
	Refreshes     int `json:"refreshes"`
	CodeExchanges int `json:"code_exchanges"`
	// RateLimited counts the OA's calls refused by a rate limit, the
	// app's or its own; OARateLimited those refused by its own.
	RateLimited      int `json:"rate_limited"`
	OARateLimited    int `json:"oa_rate_limited"`
	TokenRefused     int `json:"token_refused"`
	NotInGroup       int `json:"not_in_group"` // -403 answers: a group of another OA, or none
	ReusedRefresh    int `json:"reused_refresh_tokens"`
	ChainRevocations int `json:"chain_revocations"`
}

// oaState is one OA's live state, guarded by Server.mu.
type oaState struct {
	id, name, secret string
	ratePerMin       int
	refresh          map[string]refreshState
	access           map[string]time.Time
	curRefresh       string
	curAccess        string
	groups           []*groupState // in the order added
	window           rateWindow
	stats            OAStats
}

// ErrNoSuchOA is the answer for an OA id the app does not serve.
var ErrNoSuchOA = errors.New("no such OA")

// ErrGroupOfAnotherOA refuses to add a group that another OA owns.
var ErrGroupOfAnotherOA = errors.New("the group belongs to another OA")

// configOAs returns the OAs of c: c.OAs, or the single OA of the
// single-OA fields (OAID, OAName, Groups, RefreshToken, AccessToken).
func configOAs(c Config) []OA {
	if len(c.OAs) > 0 {
		return c.OAs
	}
	return []OA{{ID: c.OAID, Name: c.OAName, Groups: c.Groups, RefreshToken: c.RefreshToken, AccessToken: c.AccessToken}}
}

// Validate reports what makes c unusable: OAs given together with the
// single-OA fields, two OAs with one id, a group listed twice (a group
// belongs to one OA), a negative rate.
func (c Config) Validate() error {
	if len(c.OAs) > 0 && (c.OAID != "" || c.OAName != "" || len(c.Groups) > 0 || c.RefreshToken != "" || c.AccessToken != "") {
		return errors.New("zalosim: give either OAs or the single-OA fields OAID, OAName, Groups, RefreshToken, AccessToken, not both")
	}
	if c.RatePerMin < 0 {
		return errors.New("zalosim: RatePerMin is negative")
	}
	oas, groups := map[string]bool{}, map[string]string{}
	for i, oa := range configOAs(c) {
		if oa.ID != "" && oas[oa.ID] {
			return fmt.Errorf("zalosim: OA %s given twice", oa.ID)
		}
		oas[oa.ID] = true
		if oa.RatePerMin < 0 {
			return fmt.Errorf("zalosim: OA %d (%s): rate_per_min is negative", i+1, oa.ID)
		}
		for _, g := range oa.Groups {
			if g.ID == "" {
				return fmt.Errorf("zalosim: OA %d (%s): a group has no group_id", i+1, oa.ID)
			}
			if prev, dup := groups[g.ID]; dup {
				return fmt.Errorf("zalosim: group %s is in OA %s and OA %d (%s); a group belongs to one OA", g.ID, prev, i+1, oa.ID)
			}
			groups[g.ID] = fmt.Sprintf("%d (%s)", i+1, oa.ID)
		}
	}
	return nil
}

// newOAState builds an OA's state from its config, credentials generated.
func (s *Server) newOAState(oa OA, first bool) *oaState {
	if oa.ID == "" {
		oa.ID = randomDigits(19)
	}
	if oa.Name == "" {
		oa.Name = "UBND xã (mô phỏng)"
	}
	if oa.RefreshToken == "" {
		oa.RefreshToken = randomToken(48)
	}
	if oa.AccessToken == "" {
		oa.AccessToken = randomToken(48)
	}
	now := s.cfg.Now()
	st := &oaState{
		id: oa.ID, name: oa.Name, secret: oa.Secret, ratePerMin: oa.RatePerMin,
		refresh:    map[string]refreshState{oa.RefreshToken: {expires: now.Add(s.cfg.RefreshTTL)}},
		access:     map[string]time.Time{oa.AccessToken: now.Add(s.cfg.TokenTTL)},
		curRefresh: oa.RefreshToken,
		curAccess:  oa.AccessToken,
	}
	s.tokenOA[oa.RefreshToken] = st
	s.tokenOA[oa.AccessToken] = st
	if first {
		s.cfg.OAID, s.cfg.OAName = oa.ID, oa.Name
	}
	return st
}

// defaultOA is the first OA: the one of the single-OA API (Credentials,
// AddGroup, RevokeRefreshToken, the authorisation page's preselection).
func (s *Server) defaultOA() *oaState { return s.oas[0] }

// oaLocked returns the OA id, or the default OA for "".
func (s *Server) oaLocked(id string) (*oaState, bool) {
	if id == "" {
		return s.defaultOA(), true
	}
	oa, ok := s.oaByID[id]
	return oa, ok
}

// OAs returns the ids of the OAs the app serves, the default one first.
func (s *Server) OAs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.oas))
	for i, oa := range s.oas {
		out[i] = oa.id
	}
	return out
}

// OACredentials returns the app credentials and the current token pair of
// one OA.
func (s *Server) OACredentials(oaID string) (Credentials, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	oa, ok := s.oaByID[oaID]
	if !ok {
		return Credentials{}, false
	}
	return s.credentialsLocked(oa), true
}

// AllCredentials returns every OA's credentials, in the order of Config.OAs.
func (s *Server) AllCredentials() []Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Credentials, len(s.oas))
	for i, oa := range s.oas {
		out[i] = s.credentialsLocked(oa)
	}
	return out
}

func (s *Server) credentialsLocked(oa *oaState) Credentials {
	return Credentials{
		AppID:        s.cfg.AppID,
		AppSecret:    s.cfg.AppSecret,
		OAID:         oa.id,
		OAName:       oa.name,
		RefreshToken: oa.curRefresh,
		AccessToken:  oa.curAccess,
		OASecret:     s.oaSecret(oa),
	}
}

// oaSecret is the key that signs oa's webhook events.
func (s *Server) oaSecret(oa *oaState) string {
	if oa.secret != "" {
		return oa.secret
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return s.hooks.secret
}

// GroupsOf returns the groups one OA owns, in the order they were added.
func (s *Server) GroupsOf(oaID string) []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	oa, ok := s.oaByID[oaID]
	if !ok {
		return nil
	}
	out := make([]Group, len(oa.groups))
	for i, g := range oa.groups {
		out[i] = g.Group
	}
	return out
}

// GroupOA returns the id of the OA that owns a group.
func (s *Server) GroupOA(groupID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byID[groupID]
	if !ok {
		return "", false
	}
	return g.oa.id, true
}

// OAStats returns each OA's counters, in the order of Config.OAs.
func (s *Server) OAStats() []OAStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]OAStats, len(s.oas))
	for i, oa := range s.oas {
		out[i] = s.oaStatsLocked(oa)
	}
	return out
}

func (s *Server) oaStatsLocked(oa *oaState) OAStats {
	st := oa.stats
	st.OAID, st.Name, st.Groups, st.RatePerMin = oa.id, oa.name, len(oa.groups), oa.ratePerMin
	return st
}

// SetOARatePerMin changes one OA's own limit; 0 removes it.
func (s *Server) SetOARatePerMin(oaID string, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	oa, ok := s.oaByID[oaID]
	if !ok {
		return ErrNoSuchOA
	}
	oa.ratePerMin = n
	return nil
}

// ExpireAccessTokensOf expires every access token issued to one OA.
func (s *Server) ExpireAccessTokensOf(oaID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	oa, ok := s.oaByID[oaID]
	if !ok {
		return ErrNoSuchOA
	}
	s.expireLocked(oa)
	return nil
}

// RevokeRefreshTokenOf spends one OA's current refresh token, as when that
// OA's admin removes the app; the other OAs' chains are untouched.
func (s *Server) RevokeRefreshTokenOf(oaID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	oa, ok := s.oaByID[oaID]
	if !ok {
		return ErrNoSuchOA
	}
	st := oa.refresh[oa.curRefresh]
	st.spent = true
	oa.refresh[oa.curRefresh] = st
	return nil
}

// AddGroupTo adds a group to one OA, or updates its name and state. A
// group another OA owns is refused (ErrGroupOfAnotherOA).
func (s *Server) AddGroupTo(oaID string, g Group) error {
	if g.Members <= 0 {
		g.Members = 25
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	oa, ok := s.oaLocked(oaID)
	if !ok {
		return ErrNoSuchOA
	}
	if old, ok := s.byID[g.ID]; ok {
		if old.oa != oa {
			return ErrGroupOfAnotherOA
		}
		old.Group = g
		return nil
	}
	gs := &groupState{Group: g, oa: oa, added: s.now()}
	s.groups = append(s.groups, gs)
	oa.groups = append(oa.groups, gs)
	s.byID[g.ID] = gs
	return nil
}

// removeGroupLocked takes the OA out of a group (disbanded, permission
// revoked).
func (s *Server) removeGroupLocked(g *groupState) {
	delete(s.byID, g.ID)
	s.groups = removeGroupState(s.groups, g)
	g.oa.groups = removeGroupState(g.oa.groups, g)
}

func removeGroupState(list []*groupState, g *groupState) []*groupState {
	for i, x := range list {
		if x == g {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}
