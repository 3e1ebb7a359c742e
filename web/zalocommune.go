package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// The Zalo connection with several communes (README "Cả tỉnh"): each
// commune's OA has its own client (Config.ZaloFor) and its own token
// pair. A commune's admin sees and connects their commune's OA; another
// commune's, named by ?xa=, is "not found". A province admin sees every
// commune's at toàn tỉnh, and connects any one of them (?xa=CODE, or the
// commune chosen in the header).

// zaloCommune is one commune's line on the Zalo page.
type zaloCommune struct {
	notices.Commune
	HasClient bool // the running daemon has a client of its OA
	Health    bot.TokenHealth
	State     string  // "đang kết nối", "chưa kết nối", …
	OK        bool    // connected and not about to lapse
	Alarm     *banner // what is wrong and what to do; nil when OK
	Todo      string  // what to do, in one sentence
}

// zaloOf is the client of commune c's OA: with one commune (or no
// ZaloFor), the site's one. nil: none (no Zalo configured, or the daemon
// has no client of that commune).
func (s *Server) zaloOf(c *notices.Commune) Zalo {
	if s.cfg.ZaloFor == nil || c == nil {
		return s.zalo
	}
	return s.cfg.ZaloFor(c.ID)
}

// communeByID is the commune with id, or nil.
func (sc *scope) communeByID(id int64) *notices.Commune {
	for i := range sc.Communes {
		if sc.Communes[i].ID == id {
			return &sc.Communes[i]
		}
	}
	return nil
}

// zaloPath is the Zalo page of commune c.
func zaloPath(c *notices.Commune) string {
	if c == nil {
		return "/zalo"
	}
	return "/zalo?xa=" + c.Code
}

// noClientMessage says why commune c's OA cannot be used from the site.
func noClientMessage(c *notices.Commune) string {
	if c == nil {
		return "Chưa cấu hình Zalo OA nên chưa làm được việc này."
	}
	if !c.Active {
		return c.Name + " đang tắt: loaxa không gửi gì cho xã này và chưa kết nối Zalo OA của xã được. " +
			"Bật lại xã (loaxa commune enable), đợi vài giây để loaxa nhận ra rồi tải lại trang này."
	}
	return c.Name + " vừa được thêm hoặc bật lại nên loaxa đang chạy chưa nhận ra xã này (loaxa xem lại danh sách xã " +
		"mỗi lượt quét, vài giây một lần). Hãy đợi vài giây rồi tải lại trang; nếu vẫn thế, xem nhật ký của loaxa."
}

// reconnectStepOf is the exact thing to do when commune c's connection is
// lost.
func reconnectStepOf(c *notices.Commune) string {
	return "Để kết nối lại: quản trị viên mở trang «Kết nối Zalo» (/zalo) của " + c.Name + ", bấm nút «Kết nối Zalo OA» " +
		"và đồng ý trên trang của Zalo bằng tài khoản quản trị Official Account của xã; hoặc chạy lệnh " +
		"«" + bot.ConnectCommand(c.Code) + "» trên máy chủ."
}

// zaloTarget is the commune a Zalo page or action is for, with several
// communes: the one ?xa= names, which a commune's staff may name only as
// their own (another's answers 404, ok false); without it, the commune
// the scope shows (nil at toàn tỉnh).
func (s *Server) zaloTarget(w http.ResponseWriter, r *http.Request) (*notices.Commune, bool) {
	sc := scopeFrom(r)
	code := strings.TrimSpace(r.URL.Query().Get("xa"))
	if code == "" {
		return sc.Commune, true
	}
	c := sc.find(code)
	if c == nil || !sc.Province && c.ID != sc.Commune.ID {
		s.notFound(w, r)
		return nil, false
	}
	return c, true
}

// zaloToConnect is the client a connection started now is for, its
// commune (nil with one commune) and the page to come back to; ok false
// when it answered already.
func (s *Server) zaloToConnect(w http.ResponseWriter, r *http.Request) (z Zalo, c *notices.Commune, back string, ok bool) {
	if !scopeFrom(r).Multi {
		return s.zalo, nil, "/zalo", true
	}
	c, ok = s.zaloTarget(w, r)
	if !ok {
		return nil, nil, "", false
	}
	if c == nil {
		s.redirect(w, r, "/zalo", "Hãy chọn xã cần kết nối Zalo OA trong danh sách dưới đây.")
		return nil, nil, "", false
	}
	if z = s.zaloOf(c); z == nil {
		s.redirect(w, r, zaloPath(c), noClientMessage(c))
		return nil, nil, "", false
	}
	return z, c, zaloPath(c), true
}

// zaloLine is commune c's line: its client's health, read without I/O.
func (s *Server) zaloLine(c notices.Commune) zaloCommune {
	l := zaloCommune{Commune: c}
	z := s.zaloOf(&c)
	switch {
	case !c.Active:
		l.State, l.OK, l.Todo = "xã đang tắt", true, "Không gửi gì cho xã này, không cần kết nối."
		return l
	case z == nil:
		l.State = "chưa có trong loaxa đang chạy"
		l.Alarm = &banner{Message: noClientMessage(&c)}
		l.Todo = "Khởi động lại loaxa."
		return l
	}
	l.HasClient, l.Health = true, z.Health()
	l.Alarm = s.zaloAlarm(l.Health, "Zalo OA của "+c.Name, reconnectStepOf(&c))
	now := s.now()
	switch exp := l.Health.AccessExpiresAt; {
	case !l.Health.Connected && (l.Health.Refused || l.Health.Unsaved):
		l.State = "mất kết nối"
	case !l.Health.Connected:
		l.State = "chưa kết nối"
	case !exp.IsZero() && !exp.After(now):
		l.State = "mã truy cập đã hết hạn"
	case l.Alarm != nil:
		l.State = "sắp hết hạn"
	default:
		l.State = "đang kết nối"
	}
	l.OK = l.Alarm == nil
	l.Todo = "Không cần làm gì: mã truy cập tự gia hạn trước khi hết."
	if !l.OK {
		l.Todo = "Bấm «Kết nối Zalo OA» của xã này và đồng ý trên trang của Zalo bằng tài khoản quản trị OA của xã " +
			"(hoặc chạy «" + bot.ConnectCommand(c.Code) + "» trên máy chủ)."
	}
	return l
}

// zaloCommunesPage is /zalo with several communes: the commune shown (a
// commune's admin: theirs), or at toàn tỉnh every commune's line.
func (s *Server) zaloCommunesPage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	c, ok := s.zaloTarget(w, r)
	if !ok {
		return
	}
	sc := scopeFrom(r)
	d := zaloData{Multi: true, Configured: true, RedirectURL: s.redirectURL(r)}
	if d.RedirectURL == "" {
		oa := "MÃ_XÃ"
		if c != nil {
			oa = c.Code
		}
		d.Error = noBaseURL(oa)
	}
	title := "Kết nối Zalo"
	if c != nil {
		l := s.zaloLine(*c)
		d.Commune, d.Health = &l, l.Health
		title += " — " + c.Name
	} else {
		for _, c := range sc.Communes {
			d.Communes = append(d.Communes, s.zaloLine(c))
		}
	}
	if s.zalo != nil {
		allowFormAction(w, oauthOrigin(s.zalo))
	}
	s.render(w, r, http.StatusOK, "zalo", view{Title: title, Sess: sess, Nav: "zalo", Data: d})
}

// communeBanner is the alarm atop staff pages with several communes: a
// commune's staff see their commune's connection; province staff see the
// communes whose OA cannot send (each named), whichever commune they view.
func (s *Server) communeBanner(sc *scope) *banner {
	if !sc.Province {
		if l := s.zaloLine(*sc.Commune); l.Alarm != nil {
			if l.Alarm.Step == "" {
				l.Alarm.Step = l.Todo
			}
			return l.Alarm
		}
		return nil
	}
	var bad []string
	code := "MÃ_XÃ"
	for _, c := range sc.Communes {
		if l := s.zaloLine(c); !l.OK {
			bad = append(bad, c.Name+" ("+l.State+")")
			code = c.Code
		}
	}
	if len(bad) == 0 {
		return nil
	}
	if len(bad) > 1 {
		code = "MÃ_XÃ"
	}
	return &banner{
		Message: "Zalo OA của " + strconv.Itoa(len(bad)) + " xã chưa gửi được: " + strings.Join(bad, ", ") +
			". Tin của các xã này chờ trong hàng đợi; các xã khác vẫn gửi bình thường.",
		Step: "Quản trị viên mở trang «Kết nối Zalo» (/zalo) để xem và kết nối lại từng xã, hoặc chạy " +
			"«" + bot.ConnectCommand(code) + "» trên máy chủ.",
	}
}

// oaIDOf is the callback's oa_id when it looks like one (digits, as Zalo's
// OA ids are), else "": it comes in a URL anyone can write.
func oaIDOf(v string) string {
	if v == "" || len(v) > 32 || strings.Trim(v, "0123456789") != "" {
		return ""
	}
	return v
}

// oaTaken is why commune c may not be connected to the OA oaID: the OA is
// recorded as another commune's (its pair came from the site's callback),
// and its sends to c's groups would all be -403. "" when it may.
func (s *Server) oaTaken(r *http.Request, c *notices.Commune, oaID string) (string, error) {
	other, err := s.store.CommuneTokens(c.ID).ZaloOAOwner(r.Context(), oaID)
	if err != nil || other == nil {
		return "", err
	}
	name := "một xã khác"
	if scopeFrom(r).Province {
		name = other.Name
	}
	return "Chưa kết nối: Official Account số " + oaID + " đã được kết nối cho " + name + ", không phải OA của " + c.Name +
		" (nếu dùng nó, Zalo sẽ từ chối mọi tin tới nhóm của " + c.Name + "). Hãy bấm «Kết nối Zalo OA» lại và trên " +
		"trang của Zalo chọn đúng Official Account của " + c.Name + ".", nil
}

// codeRouter is a Zalo client that asks whose OA a code's new pair is for
// before storing it (*bot.Client).
type codeRouter interface {
	ExchangeCodeFor(ctx context.Context, code, verifier string,
		elsewhere func(context.Context, bot.OAInfo, bot.Pair) (bool, error)) (bot.Exchanged, error)
}

// exchangeCode trades the callback's code through z, the client of
// commune c (nil with one commune). A code exchange supersedes the OA's
// earlier refresh token, so when Zalo says the OA is recorded as another
// commune's (a callback without its oa_id gets past oaTaken), the new pair
// is stored as that commune's, its chain now, and not as c's: other is
// that commune.
func (s *Server) exchangeCode(ctx context.Context, z Zalo, c *notices.Commune, actor, code, verifier string) (
	done bot.Exchanged, other *notices.Commune, err error) {
	cr, ok := z.(codeRouter)
	if c == nil || !ok {
		return done, nil, z.ExchangeCode(ctx, code, verifier)
	}
	done, err = cr.ExchangeCodeFor(ctx, code, verifier, func(ctx context.Context, oa bot.OAInfo, p bot.Pair) (bool, error) {
		o, err := s.store.CommuneTokens(c.ID).ZaloOAOwner(ctx, oa.ID)
		if err != nil || o == nil {
			return false, err
		}
		other = o
		return true, s.store.CommuneTokens(o.ID).SaveZaloTokensOfOA(ctx, actor, p.Access, p.Refresh, p.AccessExpiresAt, oa.ID,
			"cặp mã truy cập mới của OA số "+oa.ID+", do Zalo cấp khi "+c.Name+" được kết nối nhầm bằng OA này trên trang "+
				"quản trị; cặp cũ của xã đã hết dùng được")
	})
	return done, other, err
}

// connectedOther answers a callback whose code was for the OA of commune
// other, not c's: the new pair was stored as other's (exchangeCode); its
// client takes it now, and the admin is told that c is still not
// connected.
func (s *Server) connectedOther(w http.ResponseWriter, r *http.Request, sess *notices.Session, c, other *notices.Commune, oaID, back string) {
	ctx := context.WithoutCancel(r.Context())
	if z := s.zaloOf(other); z != nil {
		if err := z.Reload(ctx); err != nil {
			s.log.Error().Err(err).Str("commune", other.Code).Msg("reload zalo tokens")
		}
	}
	s.log.Warn().Str("commune", c.Code).Str("oa_id", oaID).Str("oa_commune", other.Code).
		Msg("zalo authorisation for an OA recorded as another commune's: its new pair was stored as that commune's")
	if err := s.store.AppendAudit(ctx, notices.AuditEntry{Actor: sess.User.Username, Action: "zalo.connect", CommuneID: c.ID,
		Detail: "OA số " + oaID + " là OA của " + other.Name + ", không phải của " + c.Name + ": " + c.Name + " chưa kết nối"}); err != nil {
		s.log.Error().Err(err).Msg("audit zalo connect")
	}
	name := "một xã khác"
	if scopeFrom(r).Province {
		name = other.Name
	}
	s.redirect(w, r, back, "Không kết nối "+c.Name+" với OA này: trên trang của Zalo đã chọn Official Account số "+oaID+", là OA của "+name+
		". Zalo đã cấp cho OA đó mã truy cập mới, làm mã cũ của xã đó hết dùng được, nên loaxa đã lưu mã mới cho "+name+
		": xã đó vẫn gửi bình thường. Kết nối của "+c.Name+" giữ nguyên như trước, không có gì của xã này thay đổi. Hãy bấm «Kết nối Zalo OA» "+
		"lại và trên trang của Zalo chọn đúng Official Account của "+c.Name+".")
}
