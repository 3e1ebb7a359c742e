package web

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// loginData is the sign-in page.
type loginData struct {
	Username string
	Next     string
	Error    string
}

// loginPage shows the sign-in form, with a fresh CSRF token in a cookie
// and the form (double submit: there is no session to keep it in yet). It
// is shown even to a signed-in browser: signing in again (as someone else)
// replaces the session.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, loginData{Next: r.URL.Query().Get("next")})
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	token := notices.RandomToken()
	s.setCookie(w, r, loginCookie, token, time.Hour)
	d.Next = safeNext(d.Next)
	s.render(w, r, status, "login", view{Title: "Đăng nhập", CSRF: token, Data: d})
}

// loginSubmit checks the password, with throttling per user name and per
// address, and starts a new session: a session cookie the browser brought
// along is ended, never promoted (no fixation).
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf_token"), c.Value) {
		s.errorPage(w, r, http.StatusForbidden,
			"Trang đăng nhập đã cũ (thiếu mã chống giả mạo). Hãy tải lại trang đăng nhập rồi thử lại.")
		return
	}
	ctx := r.Context()
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	d := loginData{Username: username, Next: r.PostFormValue("next")}
	addr := s.clientAddr(r)
	userKey, addrKey := "user:"+strings.ToLower(username), "addr:"+addr

	until, err := s.store.LoginLockedUntil(ctx, userKey, addrKey)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !until.IsZero() {
		d.Error = s.lockedMessage(until)
		s.renderLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	u, err := s.store.Authenticate(ctx, username, password)
	if errors.Is(err, notices.ErrBadCredentials) {
		until, err := s.store.RecordLoginFailure(ctx, username, addr,
			notices.LoginLimit{Key: userKey, Max: s.cfg.UserFailures, Window: s.cfg.FailureWindow, Lockout: s.cfg.Lockout},
			notices.LoginLimit{Key: addrKey, Max: s.cfg.AddrFailures, Window: s.cfg.FailureWindow, Lockout: s.cfg.Lockout})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		status := http.StatusUnauthorized
		d.Error = "Tên đăng nhập hoặc mật khẩu không đúng. Hãy kiểm tra lại (chú ý bộ gõ tiếng Việt và phím Caps Lock)."
		if !until.IsZero() {
			status, d.Error = http.StatusTooManyRequests, s.lockedMessage(until)
		}
		s.renderLogin(w, r, status, d)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.store.ClearLoginFailures(ctx, userKey); err != nil {
		s.serverError(w, r, err)
		return
	}
	var old string
	if c, err := r.Cookie(sessionCookie); err == nil {
		old = c.Value
	}
	token, _, err := s.store.CreateSession(ctx, u.ID, s.cfg.SessionTTL, old, addr)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookie, token, s.cfg.SessionTTL)
	s.setCookie(w, r, loginCookie, "", -1)
	http.Redirect(w, r, safeNext(d.Next), http.StatusSeeOther)
}

// lockedMessage says when sign-in may be tried again.
func (s *Server) lockedMessage(until time.Time) string {
	mins := int(math.Ceil(until.Sub(s.now()).Minutes()))
	if mins < 1 {
		mins = 1
	}
	return fmt.Sprintf("Đăng nhập sai quá nhiều lần nên tạm bị khóa. Hãy thử lại sau %s (khoảng %d phút nữa), "+
		"hoặc nhờ quản trị viên đặt lại mật khẩu.", until.In(s.cfg.Location).Format("15:04"), mins)
}

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.store.EndSession(r.Context(), c.Value, sess.User.Username); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	s.redirect(w, r, "/login", "Bạn đã đăng xuất.")
}

// safeNext keeps a post-sign-in destination on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, "/login") {
		return "/dashboard"
	}
	return next
}

// clientAddr is the address sign-in failures are counted against: the
// peer, or with TrustProxy the address the proxy saw.
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
