package zalosim

import "net/http"

// PathOAInfo is the OA's own profile: who the access token acts for
// (zalo-oa-api.md §1, "Who the token is for").
const PathOAInfo = "/v2.0/oa/getoa"

// oaInfo is getoa's data, with the fields integrators read: oa_id and name
// above all; the simulator's OAs are all verified.
type oaInfo struct {
	OAID        string `json:"oa_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Avatar      string `json:"avatar"`
	Cover       string `json:"cover"`
	IsVerified  bool   `json:"is_verified"`
}

// handleOAInfo answers GET /v2.0/oa/getoa for the OA whose access token
// came with the request.
func (s *Server) handleOAInfo(_ *http.Request, oa *oaState) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok(oaInfo{OAID: oa.id, Name: oa.name, Description: "Official Account " + oa.name + " (giả lập)", IsVerified: true})
}
