package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// The sign-in throttle (notices/throttle.go): past pairFailures failed
// sign-ins for one user name from one client address, or Config.AddrFailures
// from one address whatever the names, each further failure doubles that
// key's wait, from 1 s up to throttleMax. A user name is never locked from
// every address. Failures are forgotten failureForget after the last one. A
// user name with attackAlarm failures (from anywhere) is logged and shown on
// the audit page. A session ends sessionTTL after sign-in, however active.
const (
	pairFailures  = 5
	throttleMax   = 15 * time.Minute
	failureForget = time.Hour
	attackAlarm   = 10
	sessionTTL    = 12 * time.Hour
)

// loginData is the sign-in page.
type loginData struct {
	Username string
	Next     string
	Error    string
}

// loginPage shows the sign-in form, with a fresh CSRF token in a cookie
// and the form (double submit: there is no session to keep it in yet; see
// logincsrf.go). It
// is shown even to a signed-in browser: signing in again (as someone else)
// replaces the session.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, loginData{Next: r.URL.Query().Get("next")})
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	token := s.issueLoginToken()
	s.setCookie(w, r, s.loginCookieName(r), token, time.Hour)
	d.Next = safeNext(d.Next)
	s.render(w, r, status, "login", view{Title: "Đăng nhập", CSRF: token, Data: d})
}

// loginSubmit checks the password, with throttling per (user name,
// address) and per address, and starts a new session: a session cookie the
// browser brought along is ended, never promoted (no fixation).
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, err)
		return
	}
	if !s.validLoginToken(r) {
		s.errorPage(w, r, http.StatusForbidden,
			"Trang đăng nhập đã cũ (thiếu mã chống giả mạo). Hãy tải lại trang đăng nhập rồi thử lại.")
		return
	}
	ctx := r.Context()
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	d := loginData{Username: username, Next: r.PostFormValue("next")}
	addr := s.clientAddr(r)
	pair, byAddr, byUser := s.loginLimits(username, addr)

	// The attempt is counted as a failure before its password is checked,
	// in one transaction with the throttle check (notices.BeginLogin): of
	// many attempts sent at once, no more are checked than one at a time
	// would allow, and the rest are refused without running bcrypt.
	att, wait, err := s.store.BeginLogin(ctx, pair, byAddr, byUser)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if att == nil {
		d.Error = s.waitMessage(wait)
		s.renderLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	u, err := s.store.Authenticate(ctx, username, password)
	if errors.Is(err, notices.ErrBadCredentials) {
		if err := s.store.LoginFailed(ctx, username, addr); err != nil {
			s.serverError(w, r, err)
			return
		}
		if n := att.Counts[2]; n == attackAlarm || n > attackAlarm && n%(10*attackAlarm) == 0 {
			s.log.Warn().Str("user", byUser.User).Int("failures", n).Str("last_address", addr).
				Msg("many failed sign-ins for one user name: someone may be guessing its password")
			// The account's commune's entry, so that its admin sees it.
			commune := int64(0)
			if acct, err := s.store.UserByName(ctx, byUser.User); err == nil {
				commune = acct.CommuneID
			}
			if err := s.store.AppendAudit(ctx, notices.AuditEntry{Actor: byUser.User, Action: "user.login_attack",
				Detail: strconv.Itoa(n) + " lần đăng nhập sai; lần gần nhất từ " + addr, CommuneID: commune}); err != nil {
				s.log.Error().Err(err).Msg("audit sign-in attack")
			}
		}
		status := http.StatusUnauthorized
		d.Error = "Tên đăng nhập hoặc mật khẩu không đúng. Hãy kiểm tra lại (chú ý bộ gõ tiếng Việt và phím Caps Lock)."
		if !att.Until.IsZero() {
			status, d.Error = http.StatusTooManyRequests, d.Error+" "+s.waitMessage(att.Until)
		}
		s.renderLogin(w, r, status, d)
		return
	}
	if err != nil {
		// Not checked (the request gave up waiting for a hashing slot, or
		// the database failed): the reserved failure is taken back.
		if uerr := s.store.LoginSucceeded(context.WithoutCancel(ctx), att); uerr != nil {
			s.log.Error().Err(uerr).Msg("undo sign-in reservation")
		}
		if errors.Is(err, notices.ErrBusy) {
			s.errorPage(w, r, http.StatusServiceUnavailable, "Máy chủ đang bận kiểm tra nhiều lần đăng nhập cùng lúc; "+
				"hãy thử lại sau ít giây.")
			return
		}
		s.serverError(w, r, err)
		return
	}
	// The reserved failure is taken back, and this pair's failures are
	// forgiven; the address's count stays, so that one good account does
	// not reset a guesser's budget.
	if err := s.store.LoginSucceeded(ctx, att, pair.Key); err != nil {
		s.serverError(w, r, err)
		return
	}
	var old string
	if c, err := r.Cookie(sessionCookie); err == nil {
		old = c.Value
	}
	token, _, err := s.store.CreateSession(ctx, u.ID, sessionTTL, old, addr)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookie, token, sessionTTL)
	s.setCookie(w, r, s.loginCookieName(r), "", -1)
	http.Redirect(w, r, safeNext(d.Next), http.StatusSeeOther)
}

// loginLimits are the throttling rules of a sign-in as username from addr:
// the pair and the address wait more after each failure; the user name is
// only counted, to tell staff it is under attack.
func (s *Server) loginLimits(username, addr string) (pair, byAddr, byUser notices.LoginLimit) {
	name := strings.ToLower(username)
	if len(name) > 64 {
		name = name[:64]
	}
	c := s.cfg
	addr = throttleAddr(addr)
	pair = notices.LoginLimit{Key: "pair:" + name + " " + addr, Free: pairFailures, Base: time.Second,
		Max: throttleMax, Forget: failureForget, User: name, Address: addr}
	byAddr = notices.LoginLimit{Key: "addr:" + addr, Free: c.AddrFailures, Base: time.Second,
		Max: throttleMax, Forget: failureForget, Address: addr}
	byUser = notices.LoginLimit{Key: "user:" + name, Forget: failureForget, User: name}
	return pair, byAddr, byUser
}

// throttleAddr is the address failures are counted against: an IPv4
// address, or an IPv6 address's /64, since one subscriber usually holds a
// whole /64 and could otherwise try from a new address each time.
func throttleAddr(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Is4() || a.Is4In6() {
		return addr
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// waitMessage says when sign-in may be tried again from this address.
func (s *Server) waitMessage(until time.Time) string {
	left := until.Sub(s.now())
	in := fmt.Sprintf("khoảng %d phút nữa", int(math.Ceil(left.Minutes())))
	if left < time.Minute {
		in = fmt.Sprintf("%d giây nữa", max(1, int(math.Ceil(left.Seconds()))))
	}
	return "Đã đăng nhập sai nhiều lần từ máy này nên phải chờ: hãy thử lại sau " +
		until.In(s.cfg.Location).Format("15:04:05") + " (" + in + "). Tài khoản không bị khóa; " +
		"nếu quên mật khẩu, hãy nhờ quản trị viên đặt lại."
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
	s.setCookie(w, r, xaCookie, "", -1) // the next person starts at their own commune, or toàn tỉnh
	s.redirect(w, r, "/login", "Bạn đã đăng xuất.")
}

// safeNext keeps a post-sign-in destination on this site: a path of
// this site, parsed as a URL, with no scheme, host or user, no control
// character, space, backslash or non-ASCII byte anywhere (browsers drop or
// rewrite them, "/\t/evil.example" becomes "//evil.example"), not starting
// with "//" and not the sign-in page itself. Anything else goes to the
// dashboard.
func safeNext(next string) string {
	const home = "/dashboard"
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return home
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") ||
		strings.ContainsFunc(u.Path, func(r rune) bool { return r <= ' ' || r == '\\' || r == 0x7f }) {
		return home
	}
	if p := path.Clean(u.Path); p == "/login" || strings.HasPrefix(p, "/login/") || strings.HasPrefix(p, "//") {
		return home
	}
	return next
}
