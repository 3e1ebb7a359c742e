package zalosim

import (
	"net/http"
	"net/url"
)

// permissionRequest is the query of GET /v4/oa/permission.
type permissionRequest struct {
	AppID         string
	RedirectURI   string
	CodeChallenge string
	State         string
	// OAID is the OA the admin authorises: Zalo's page lets an admin of
	// several OAs pick one, and the simulator's does too (a select when
	// the app serves several). Zalo's URL has no such parameter; the
	// simulator reads oa_id from the query as the preselection, which
	// with auto=1 lets a test authorise any OA. Empty: the default OA.
	OAID string
}

type permissionPage struct {
	permissionRequest
	AppName string
	OAName  string
	OAID    string
	OAs     []pageOA // set when the app serves several OAs
	// ErrorCode and ErrorText describe a refused request.
	ErrorCode int
	ErrorText string
}

func readPermissionRequest(v url.Values) permissionRequest {
	return permissionRequest{
		AppID:         v.Get("app_id"),
		RedirectURI:   v.Get("redirect_uri"),
		CodeChallenge: v.Get("code_challenge"),
		State:         v.Get("state"),
		OAID:          v.Get("oa_id"),
	}
}

type pageOA struct {
	ID, Name string
	Selected bool
}

// validate returns the OAuth error code and a Vietnamese explanation, or 0.
func (s *Server) validatePermission(p permissionRequest) (int, string) {
	if p.AppID != s.cfg.AppID {
		return CodeOAuthInvalidAppID, "Ứng dụng không tồn tại (app_id không hợp lệ)."
	}
	u, err := url.Parse(p.RedirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return CodeOAuthInvalidRedirect, "Địa chỉ chuyển hướng (redirect_uri) không hợp lệ."
	}
	if s.cfg.CallbackURL != "" && p.RedirectURI != s.cfg.CallbackURL {
		return CodeOAuthInvalidRedirect, "Địa chỉ chuyển hướng không khớp với Callback URL đã khai báo của Official Account."
	}
	if len(p.CodeChallenge) != 43 {
		return CodeOAuthInvalidParam, "Thiếu hoặc sai code_challenge."
	}
	s.mu.Lock()
	_, known := s.oaLocked(p.OAID)
	s.mu.Unlock()
	if !known {
		return CodeOAuthInvalidParam, "Official Account (oa_id) không thuộc ứng dụng này."
	}
	return 0, ""
}

// handlePermissionPage is GET /v4/oa/permission: the page where the OA
// admin lets the app act for the OA. With auto=1 it grants at once (tests).
func (s *Server) handlePermissionPage(w http.ResponseWriter, r *http.Request) {
	p := readPermissionRequest(r.URL.Query())
	if code, text := s.validatePermission(p); code != 0 {
		s.renderPermission(w, http.StatusBadRequest, permissionPage{permissionRequest: p, ErrorCode: code, ErrorText: text})
		return
	}
	if r.URL.Query().Get("auto") == "1" {
		s.grantPermission(w, r, p)
		return
	}
	s.renderPermission(w, http.StatusOK, permissionPage{permissionRequest: p})
}

// handlePermissionGrant is the form post of the "Cho phép" button.
func (s *Server) handlePermissionGrant(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Yêu cầu không hợp lệ", http.StatusBadRequest)
		return
	}
	p := readPermissionRequest(r.PostForm)
	if code, text := s.validatePermission(p); code != 0 {
		s.renderPermission(w, http.StatusBadRequest, permissionPage{permissionRequest: p, ErrorCode: code, ErrorText: text})
		return
	}
	s.grantPermission(w, r, p)
}

// grantPermission issues a code for the chosen OA and redirects to
// redirect_uri?code&oa_id&state.
func (s *Server) grantPermission(w http.ResponseWriter, r *http.Request, p permissionRequest) {
	s.mu.Lock()
	oa, _ := s.oaLocked(p.OAID) // validated
	s.mu.Unlock()
	code := s.issueCodeFor(oa, p.CodeChallenge, p.RedirectURI)
	u, _ := url.Parse(p.RedirectURI) // validated
	q := u.Query()
	q.Set("code", code)
	q.Set("oa_id", oa.id)
	q.Set("state", p.State)
	u.RawQuery = q.Encode()
	s.log.Info().Str("oa_id", oa.id).Str("redirect_uri", p.RedirectURI).Msg("oa authorised the app")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) renderPermission(w http.ResponseWriter, status int, p permissionPage) {
	p.AppName = s.cfg.AppName
	s.mu.Lock()
	if oa, ok := s.oaLocked(p.permissionRequest.OAID); ok {
		p.OAName, p.OAID = oa.name, oa.id
	}
	if len(s.oas) > 1 {
		for _, oa := range s.oas {
			p.OAs = append(p.OAs, pageOA{oa.id, oa.name, oa.id == p.OAID})
		}
	}
	s.mu.Unlock()
	s.render(w, status, "permission.html", p)
}
