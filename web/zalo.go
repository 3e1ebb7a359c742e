package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// oauthMaxAge is how long a started Zalo authorisation may take, as long
// as Zalo's code itself lives.
const oauthMaxAge = 10 * time.Minute

// noBaseURL explains why the Zalo connection cannot start from here; oa
// is the commune whose OA is connected ("" with one commune).
func noBaseURL(oa string) string {
	return "Chưa đặt địa chỉ công khai của trang (LOAXA_BASE_URL, ví dụ https://loa.xaanphu.gov.vn) nên chưa " +
		"kết nối Zalo được từ xa: Zalo cần một địa chỉ quay về đáng tin. Quản trị viên hãy đặt LOAXA_BASE_URL rồi khởi động " +
		"lại loaxa, hoặc mở trang này ngay trên máy chủ (http://127.0.0.1:…), hoặc chạy «" + bot.ConnectCommand(oa) +
		" --redirect-uri URL» trên máy chủ, với URL là đúng Callback URL đã khai báo cho OA (không có LOAXA_BASE_URL thì " +
		"lệnh cần --redirect-uri)."
}

// reconnectStep is the exact thing to do when the connection is lost.
var reconnectStep = "Để kết nối lại: quản trị viên mở trang «Kết nối Zalo» (/zalo), bấm nút «Kết nối Zalo OA» " +
	"và đồng ý trên trang của Zalo bằng tài khoản quản trị Official Account; hoặc chạy lệnh «" + bot.ConnectCommand("") +
	"» trên máy chủ."

// banner is the alarm shown atop every staff page.
type banner struct {
	Message string
	Step    string
}

// banner returns the alarm about the Zalo connection, or nil when it is
// healthy. With several communes (zalocommune.go) a commune's staff see
// their commune's, province staff every commune's that cannot send.
func (s *Server) banner(r *http.Request) *banner {
	if sc := scopeFrom(r); sc.Multi && s.cfg.ZaloFor != nil {
		return s.communeBanner(sc)
	}
	if s.zalo == nil {
		return &banner{Message: "Chưa cấu hình Zalo OA: thông báo được lưu nhưng chưa gửi được tới nhóm Zalo nào.",
			Step: "Quản trị viên đặt ZALO_APP_ID và ZALO_APP_SECRET rồi khởi động lại loaxa, sau đó kết nối tại trang «Kết nối Zalo»."}
	}
	return s.zaloAlarm(s.zalo.Health(), "Zalo OA", reconnectStep)
}

// zaloAlarm is the alarm about a connection whose health is h (of "Zalo
// OA", or "Zalo OA của UBND xã …"), with step to fix it; nil when healthy.
// The access token lives 25 h and is refreshed on its own about 5 h
// before it lapses, so a token that lapses within 24 h is normal; it is an
// alarm when the last refresh failed, and always within the last hour.
func (s *Server) zaloAlarm(h bot.TokenHealth, oa, step string) *banner {
	now := s.now()
	switch left := h.AccessExpiresAt.Sub(now); {
	case !h.Connected && !h.Refused && !h.Unsaved:
		return &banner{Message: "Chưa kết nối " + oa + ": tin chưa gửi được sẽ chờ trong hàng đợi cho tới khi kết nối.",
			Step: step}
	case !h.Connected:
		msg := "Mất kết nối " + oa + ": tin chưa gửi được sẽ chờ trong hàng đợi cho tới khi kết nối lại."
		if r := staffReason(h); r != "" {
			msg += " Lý do: " + r + "."
		}
		return &banner{Message: msg, Step: step}
	case !h.AccessExpiresAt.IsZero() && left <= 0:
		return &banner{Message: "Mã truy cập " + oa + " đã hết hạn lúc " + notices.FormatLocal(h.AccessExpiresAt, s.cfg.Location) +
			" và chưa gia hạn được.", Step: step}
	case !h.AccessExpiresAt.IsZero() && (left < time.Hour || h.LastError != "" && left < 24*time.Hour):
		msg := "Mã truy cập " + oa + " sắp hết hạn (lúc " + notices.FormatLocal(h.AccessExpiresAt, s.cfg.Location) +
			") mà chưa gia hạn được."
		if r := staffReason(h); r != "" {
			msg += " Lỗi gần nhất: " + r + "."
		}
		return &banner{Message: msg, Step: step}
	}
	return nil
}

// staffReason is what went wrong with the connection, in Vietnamese
// (bot's Reason); Zalo's raw error stays in the log and the page's
// technical detail. "" when nothing did.
func staffReason(h bot.TokenHealth) string {
	switch {
	case h.Reason != "":
		return h.Reason
	case h.LastError != "":
		return "lần gia hạn mã truy cập gần nhất không được (chi tiết kỹ thuật trong nhật ký của loaxa)"
	}
	return ""
}

// zaloData is the Zalo connection page.
type zaloData struct {
	Configured  bool
	Health      bot.TokenHealth
	RedirectURL string
	Error       string

	// With several communes (zalocommune.go): the commune shown, or at
	// toàn tỉnh every commune's line.
	Multi    bool
	Commune  *zaloCommune
	Communes []zaloCommune
}

func (s *Server) zaloPage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if scopeFrom(r).Multi {
		s.zaloCommunesPage(w, r, sess)
		return
	}
	d := zaloData{Configured: s.zalo != nil, RedirectURL: s.redirectURL(r)}
	if d.RedirectURL == "" {
		d.Error = noBaseURL("")
	}
	if s.zalo != nil {
		d.Health = s.zalo.Health()
		allowFormAction(w, oauthOrigin(s.zalo))
	}
	s.render(w, r, http.StatusOK, "zalo", view{Title: "Kết nối Zalo", Sess: sess, Nav: "zalo", Data: d})
}

// zaloConnect starts the OAuth v4 PKCE flow: a verifier kept in
// oauth_states under a random state, with the commune whose OA it
// connects when there are several, and a redirect to Zalo's page.
func (s *Server) zaloConnect(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	z, c, back, ok := s.zaloToConnect(w, r)
	if !ok {
		return
	}
	if z == nil {
		s.redirect(w, r, back, "Chưa cấu hình Zalo OA (ZALO_APP_ID, ZALO_APP_SECRET) nên chưa kết nối được.")
		return
	}
	redirect := s.redirectURL(r)
	if redirect == "" {
		oa := ""
		if c != nil {
			oa = c.Code
		}
		s.redirect(w, r, back, noBaseURL(oa))
		return
	}
	var commune int64
	if c != nil {
		commune = c.ID
	}
	verifier, challenge := bot.NewPKCE()
	state := notices.RandomToken()
	if err := s.store.SaveOAuthStateFor(r.Context(), sess.User.Username, sess.ID, commune, state, verifier, redirect); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, z.AuthURL(redirect, challenge, state), http.StatusSeeOther)
}

// zaloCallback is where Zalo sends the admin back: ?code=&state=. It
// exchanges the code through the client of the commune the flow was
// started for (the client stores the tokens in that commune's store) and
// reloads that client: the running daemon sends with it at once.
func (s *Server) zaloCallback(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	sc := scopeFrom(r)
	if !sc.Multi && s.zalo == nil {
		s.redirect(w, r, "/zalo", "Chưa cấu hình Zalo OA nên không nhận được kết nối.")
		return
	}
	q := r.URL.Query()
	code, state := q.Get("code"), q.Get("state")
	if code == "" || state == "" {
		// Zalo's error text is not shown: it comes in the URL, which anyone
		// can write. It is logged, clipped, for the admin to look up.
		e := q.Get("error")
		if len(e) > 100 {
			e = e[:100]
		}
		s.log.Warn().Str("zalo_error", e).Msg("zalo authorisation returned no code")
		s.redirect(w, r, "/zalo", oauthErrorMessage(e))
		return
	}
	ctx := r.Context()
	verifier, _, communeID, err := s.store.TakeOAuthStateFor(ctx, state, sess.User.Username, sess.ID, oauthMaxAge)
	z, c, back := s.zalo, (*notices.Commune)(nil), "/zalo"
	if sc.Multi && communeID != 0 {
		if c = sc.communeByID(communeID); c == nil || !sc.Province && c.ID != sc.Commune.ID {
			// Another commune's flow: as if it did not exist (spent all the same).
			s.notFound(w, r)
			return
		}
		z, back = s.zaloOf(c), zaloPath(c)
	}
	if err == nil && sc.Multi && communeID == 0 {
		err = notices.ErrNotFound // started for the only commune, before there were several
	}
	if errors.Is(err, notices.ErrNotFound) {
		s.redirect(w, r, back, "Lượt kết nối này không hợp lệ: đã hết hạn (quá 10 phút), đã dùng rồi, hoặc không do "+
			"chính bạn bắt đầu trong phiên đăng nhập này. Hãy bấm «Kết nối Zalo OA» để bắt đầu lại.")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if z == nil {
		s.redirect(w, r, back, noClientMessage(c))
		return
	}
	log := s.log
	oaID := oaIDOf(q.Get("oa_id"))
	if c != nil {
		log = log.With().Str("commune", c.Code).Logger()
		if refused, err := s.oaTaken(r, c, oaID); err != nil || refused != "" {
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			log.Warn().Str("oa_id", oaID).Msg("zalo authorisation for an OA recorded as another commune's: not exchanged")
			s.redirect(w, r, back, refused)
			return
		}
	}
	xctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	done, other, err := s.exchangeCode(xctx, z, c, sess.User.Username, code, verifier)
	if other != nil && err == nil {
		s.connectedOther(w, r, sess, c, other, done.OA.ID, back)
		return
	}
	if err != nil {
		log.Error().Err(err).Msg("exchange zalo authorisation code")
		msg := "Zalo không chấp nhận mã cấp quyền"
		var apiErr *bot.APIError
		if errors.As(err, &apiErr) {
			msg += " (mã lỗi " + strconv.Itoa(apiErr.Code) + ")"
		}
		s.redirect(w, r, back, msg+". Hãy bấm «Kết nối Zalo OA» để thử lại; nếu vẫn lỗi, xem nhật ký của loaxa.")
		return
	}
	if err := z.Reload(xctx); err != nil {
		log.Error().Err(err).Msg("reload zalo tokens")
	}
	e := notices.AuditEntry{Actor: sess.User.Username, Action: "zalo.connect", Detail: "OA số " + q.Get("oa_id")}
	msg := "Đã kết nối Zalo OA. Các tin đang chờ sẽ được gửi đi."
	if c != nil {
		e.CommuneID, e.Detail = c.ID, e.Detail+" cho "+c.Name
		msg = "Đã kết nối Zalo OA của " + c.Name + ". Các tin đang chờ của xã sẽ được gửi đi."
	}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		log.Error().Err(err).Msg("audit zalo connect")
	}
	if done.OA.ID != "" {
		oaID = done.OA.ID // Zalo's own word, not the URL's
	}
	if c != nil && oaID != "" {
		if err := s.store.CommuneTokens(c.ID).RecordZaloOA(context.WithoutCancel(ctx), oaID); err != nil {
			log.Error().Err(err).Msg("record the commune's zalo oa")
		}
	}
	s.redirect(w, r, back, msg)
}

// redirectURL is the Zalo callback address: from the base URL,
// or from this machine's own loopback address (absBase); "" when there is
// no trusted address to give Zalo.
func (s *Server) redirectURL(r *http.Request) string {
	if base := s.absBase(r); base != "" {
		return base + "/zalo/callback"
	}
	return ""
}

// oauthErrorMessage is the fixed message for the error Zalo's
// authorisation page sent back, whatever its text.
func oauthErrorMessage(code string) string {
	switch code {
	case "":
		return "Zalo không trả về mã cấp quyền; có thể bạn đã bấm từ chối. Hãy bấm «Kết nối Zalo OA» để thử lại."
	case "access_denied":
		return "Bạn (hoặc tài khoản quản trị OA) đã từ chối cấp quyền cho loaxa. Hãy bấm «Kết nối Zalo OA» và chọn đồng ý."
	}
	return "Zalo báo lỗi khi cấp quyền. Hãy bấm «Kết nối Zalo OA» để thử lại; nếu vẫn lỗi, kiểm tra ứng dụng trong " +
		"trang Zalo for Developers (mã ứng dụng, địa chỉ quay về)."
}

// oauthOrigin is the origin of Zalo's authorisation page (one for every
// OA of the app).
func oauthOrigin(z Zalo) string {
	u, err := url.Parse(z.AuthURL("", "", ""))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
