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
}

type permissionPage struct {
	permissionRequest
	AppName string
	OAName  string
	OAID    string
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
	}
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

// grantPermission issues a code and redirects to redirect_uri?code&oa_id&state.
func (s *Server) grantPermission(w http.ResponseWriter, r *http.Request, p permissionRequest) {
	code := s.issueCode(p.CodeChallenge, p.RedirectURI)
	u, _ := url.Parse(p.RedirectURI) // validated
	q := u.Query()
	q.Set("code", code)
	q.Set("oa_id", s.cfg.OAID)
	q.Set("state", p.State)
	u.RawQuery = q.Encode()
	s.log.Info().Str("redirect_uri", p.RedirectURI).Msg("oa authorised the app")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) renderPermission(w http.ResponseWriter, status int, p permissionPage) {
	p.AppName, p.OAName, p.OAID = s.cfg.AppName, s.cfg.OAName, s.cfg.OAID
	s.render(w, status, "permission.html", p)
}
