package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// oauthMaxAge is how long a started Zalo authorisation may take; Zalo's
// code itself lives 10 minutes.
const oauthMaxAge = 15 * time.Minute

// reconnectStep is the exact thing to do when the connection is lost.
const reconnectStep = "Để kết nối lại: quản trị viên mở trang «Kết nối Zalo» (/zalo), bấm nút «Kết nối Zalo OA» " +
	"và đồng ý trên trang của Zalo bằng tài khoản quản trị Official Account; hoặc chạy lệnh «loaxa zalo connect» trên máy chủ."

// banner is the alarm shown atop every staff page.
type banner struct {
	Message string
	Step    string
}

// banner returns the alarm about the Zalo connection, or nil when it is
// healthy. The access token lives 25 h and is refreshed on its own about
// 5 h before it lapses, so a token that lapses within 24 h is normal; it
// is an alarm when the last refresh failed, and always within the last hour.
func (s *Server) banner() *banner {
	if s.zalo == nil {
		return &banner{Message: "Chưa cấu hình Zalo OA: thông báo được lưu nhưng chưa gửi được tới nhóm Zalo nào.",
			Step: "Quản trị viên đặt ZALO_APP_ID và ZALO_APP_SECRET rồi khởi động lại loaxa, sau đó kết nối tại trang «Kết nối Zalo»."}
	}
	h := s.zalo.Health()
	now := s.now()
	switch left := h.AccessExpiresAt.Sub(now); {
	case !h.Connected:
		msg := "Mất kết nối Zalo OA: tin chưa gửi được sẽ chờ trong hàng đợi cho tới khi kết nối lại."
		if h.LastError != "" {
			msg += " Lỗi gần nhất: " + h.LastError
		}
		return &banner{Message: msg, Step: reconnectStep}
	case !h.AccessExpiresAt.IsZero() && left <= 0:
		return &banner{Message: "Mã truy cập Zalo OA đã hết hạn lúc " + notices.FormatLocal(h.AccessExpiresAt, s.cfg.Location) +
			" và chưa gia hạn được.", Step: reconnectStep}
	case !h.AccessExpiresAt.IsZero() && (left < time.Hour || h.LastError != "" && left < 24*time.Hour):
		msg := "Mã truy cập Zalo OA sắp hết hạn (lúc " + notices.FormatLocal(h.AccessExpiresAt, s.cfg.Location) +
			") mà chưa gia hạn được."
		if h.LastError != "" {
			msg += " Lỗi gần nhất: " + h.LastError
		}
		return &banner{Message: msg, Step: reconnectStep}
	}
	return nil
}

// zaloData is the Zalo connection page.
type zaloData struct {
	Configured  bool
	Health      bot.TokenHealth
	RedirectURL string
	Error       string
}

func (s *Server) zaloPage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	d := zaloData{Configured: s.zalo != nil, RedirectURL: s.redirectURL(r)}
	if s.zalo != nil {
		d.Health = s.zalo.Health()
		allowFormAction(w, s.oauthOrigin())
	}
	s.render(w, r, http.StatusOK, "zalo", view{Title: "Kết nối Zalo", Sess: sess, Nav: "zalo", Data: d})
}

// zaloConnect starts the OAuth v4 PKCE flow: a verifier kept in
// oauth_states under a random state, and a redirect to Zalo's page.
func (s *Server) zaloConnect(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if s.zalo == nil {
		s.redirect(w, r, "/zalo", "Chưa cấu hình Zalo OA (ZALO_APP_ID, ZALO_APP_SECRET) nên chưa kết nối được.")
		return
	}
	verifier, challenge := bot.NewPKCE()
	state := notices.RandomToken()
	redirect := s.redirectURL(r)
	if err := s.store.SaveOAuthState(r.Context(), sess.User.Username, state, verifier, redirect); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, s.zalo.AuthURL(redirect, challenge, state), http.StatusSeeOther)
}

// zaloCallback is where Zalo sends the admin back: ?code=&state=. It
// exchanges the code (the client stores the tokens) and reloads the client.
func (s *Server) zaloCallback(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if s.zalo == nil {
		s.redirect(w, r, "/zalo", "Chưa cấu hình Zalo OA nên không nhận được kết nối.")
		return
	}
	q := r.URL.Query()
	code, state := q.Get("code"), q.Get("state")
	if code == "" || state == "" {
		msg := "Zalo không trả về mã cấp quyền; có thể bạn đã bấm từ chối. Hãy bấm «Kết nối Zalo OA» để thử lại."
		if e := q.Get("error"); e != "" {
			msg = "Zalo báo lỗi khi cấp quyền (" + e + "). Hãy bấm «Kết nối Zalo OA» để thử lại."
		}
		s.redirect(w, r, "/zalo", msg)
		return
	}
	ctx := r.Context()
	verifier, _, err := s.store.TakeOAuthState(ctx, state, oauthMaxAge)
	if errors.Is(err, notices.ErrNotFound) {
		s.redirect(w, r, "/zalo", "Lượt kết nối này đã hết hạn hoặc đã dùng rồi. Hãy bấm «Kết nối Zalo OA» để bắt đầu lại.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	xctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := s.zalo.ExchangeCode(xctx, code, verifier); err != nil {
		s.log.Error().Err(err).Msg("exchange zalo authorisation code")
		s.redirect(w, r, "/zalo", "Zalo không chấp nhận mã cấp quyền ("+err.Error()+"). Hãy bấm «Kết nối Zalo OA» để thử lại.")
		return
	}
	if err := s.zalo.Reload(xctx); err != nil {
		s.log.Error().Err(err).Msg("reload zalo tokens")
	}
	if err := s.store.AppendAudit(ctx, notices.AuditEntry{Actor: sess.User.Username, Action: "zalo.connect",
		Detail: "oa_id " + q.Get("oa_id")}); err != nil {
		s.log.Error().Err(err).Msg("audit zalo connect")
	}
	s.redirect(w, r, "/zalo", "Đã kết nối Zalo OA. Các tin đang chờ sẽ được gửi đi.")
}

// redirectURL is the Zalo callback address.
func (s *Server) redirectURL(r *http.Request) string {
	if s.cfg.OAuthRedirectURL != "" {
		return s.cfg.OAuthRedirectURL
	}
	return s.baseURL(r) + "/zalo/callback"
}

// oauthOrigin is the origin of Zalo's authorisation page.
func (s *Server) oauthOrigin() string {
	u, err := url.Parse(s.zalo.AuthURL("", "", ""))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
