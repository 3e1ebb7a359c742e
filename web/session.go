package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// Cookies. The session cookie carries a random token; the database keeps
// only its hash. The login cookie carries the CSRF token of the sign-in
// form, before there is a session to keep it in.
const (
	sessionCookie = "loaxa_session"
	loginCookie   = "loaxa_login"
	flashCookie   = "loaxa_flash"
)

// staffHandler serves a signed-in staff member.
type staffHandler func(w http.ResponseWriter, r *http.Request, sess *notices.Session)

// rank orders roles: each may do what the ones below it may.
func rank(r notices.Role) int {
	switch r {
	case notices.RoleEditor:
		return 1
	case notices.RoleApprover:
		return 2
	case notices.RoleAdmin:
		return 3
	}
	return 0
}

// can reports whether role has at least the rights of min.
func can(role, min notices.Role) bool { return rank(role) >= rank(min) && rank(min) > 0 }

// staff wraps a staff page: a stranger is sent to /login, a
// state-changing request needs the session's CSRF token (403 otherwise),
// and the user's role must reach min (403 otherwise). The body is capped
// at limit bytes.
func (s *Server) staff(min notices.Role, limit int64, h staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		sess := s.session(r)
		if sess == nil {
			if strings.HasSuffix(r.URL.Path, ".json") {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Phiên đăng nhập đã hết; hãy đăng nhập lại."})
				return
			}
			next := r.URL.Path
			if r.Method == http.MethodGet && r.URL.RawQuery != "" {
				next += "?" + r.URL.RawQuery
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next = "" // after sign-in, go to the dashboard rather than replay a form
			}
			target := "/login"
			if next != "" && next != "/dashboard" {
				target += "?next=" + url.QueryEscape(next)
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := parseForm(r, limit); err != nil {
				s.formError(w, r, err)
				return
			}
			if !sameToken(csrfFrom(r), sess.CSRFToken) {
				s.errorPage(w, r, http.StatusForbidden,
					"Biểu mẫu đã cũ hoặc không gửi từ trang này (thiếu mã chống giả mạo). Hãy tải lại trang rồi làm lại.")
				return
			}
		}
		sc, err := s.scopeOf(r, sess)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		r = withScope(r, sc)
		if !can(sess.User.Role, min) {
			s.errorPage(w, r, http.StatusForbidden, "Tài khoản của bạn không có quyền làm việc này. Hãy nhờ người có quyền "+
				roleLabel(min)+" giúp.")
			return
		}
		h(w, r, sess)
	}
}

// session returns the request's live session, or nil.
func (s *Server) session(r *http.Request) *notices.Session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	sess, err := s.store.SessionByToken(r.Context(), c.Value, s.cfg.SessionIdle)
	if err != nil {
		if !errors.Is(err, notices.ErrNotFound) {
			s.log.Error().Err(err).Msg("read session")
		}
		return nil
	}
	return sess
}

// formError answers a body that could not be read: too large, or broken.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.errorPage(w, r, http.StatusRequestEntityTooLarge,
			"Dữ liệu gửi lên quá lớn. Ảnh đính kèm tối đa 1 MB; hãy thu nhỏ ảnh hoặc rút gọn nội dung.")
		return
	}
	s.errorPage(w, r, http.StatusBadRequest, "Biểu mẫu gửi lên bị lỗi; hãy tải lại trang rồi làm lại.")
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure over TLS;
// maxAge < 0 deletes it.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.isTLS(r)}
	if maxAge < 0 {
		c.MaxAge, c.Value = -1, ""
	} else if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// flash leaves a one-line message for the next page the browser shows.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, msg string) {
	s.setCookie(w, r, flashCookie, url.QueryEscape(msg), time.Minute)
}

// takeFlash returns and clears the message left by flash.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	s.setCookie(w, r, flashCookie, "", -1)
	msg, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	return msg
}

// redirect answers a successful form with a redirect (post/redirect/get),
// leaving msg for the next page.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, msg string) {
	if msg != "" {
		s.flash(w, r, msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
