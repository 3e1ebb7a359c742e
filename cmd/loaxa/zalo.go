package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
)

// zalosimCmd is `loaxa zalosim`: the simulator of the Zalo OA API alone.
func zalosimCmd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa zalosim", "[--addr A] [--groups g1,g2] [--app-id ID] [--app-secret S] [--refresh-token RT] "+
		"[--token-ttl SECONDS] [--rate-per-min N] [--fail-rate P] [--revoke-on-reuse] [--webhook-url URL] [--oa-secret S] "+
		"[--latency 250ms±50ms] [--slow-rate P] [--slow D] [--oas N [--groups-per-oa M] | --oas-file F] [--oa-rate-per-min R]",
		"Chạy riêng trình giả lập Zalo OA API (cùng đường dẫn, dữ liệu, mã lỗi, luật token và giới hạn như Zalo),\n"+
			"in ra địa chỉ và thông tin đăng nhập nó chấp nhận. Trang / cho xem tin trong từng nhóm.")
	addr := f.String("addr", "127.0.0.1:8090", "địa chỉ lắng nghe")
	groups := f.String("groups", "", "các nhóm, cách nhau bởi dấu phẩy: id hoặc id=Tên (mặc định: 3 nhóm mẫu)")
	appID := f.String("app-id", "", "app_id chấp nhận (mặc định: tự sinh)")
	appSecret := f.String("app-secret", "", "secret_key chấp nhận (mặc định: tự sinh)")
	refresh := f.String("refresh-token", "", "refresh token đầu tiên (mặc định: tự sinh)")
	ttl := f.Int("token-ttl", 90000, "thời hạn access token, giây")
	rate := f.Int("rate-per-min", 0, "số yêu cầu tối đa mỗi phút, 0 là không giới hạn")
	failRate := f.Float64("fail-rate", 0, "xác suất một lần gửi bị lỗi tạm thời (0–1)")
	revoke := f.Bool("revoke-on-reuse", false, "như máy chủ OAuth nghiêm ngặt: refresh token đã dùng mà gửi lại thì thu hồi mọi token")
	webhookURL := f.String("webhook-url", "", "địa chỉ nhận webhook (sự kiện có chữ ký), ví dụ http://127.0.0.1:8080/zalo/webhook")
	oaSecret := f.String("oa-secret", "", "OA Secret Key ký webhook, tức ZALO_OA_SECRET của loaxa (mặc định: tự sinh)")
	latency := f.String("latency", "", "thời gian khứ hồi của mỗi lệnh gọi API, có thể kèm dao động: 250ms, 250ms±50ms hoặc 250ms+-50ms")
	slowRate := f.Float64("slow-rate", 0, "xác suất một lần gửi bị chậm thêm --slow (0–1)")
	slow := f.Duration("slow", 2*time.Second, "một lần gửi chậm thì chậm thêm bao lâu")
	var oas zalosim.OAFlags
	f.IntVar(&oas.N, "oas", 0, "số Official Account (mỗi xã một OA) dưới cùng ứng dụng; 0 là một OA như thường")
	f.IntVar(&oas.GroupsPerOA, "groups-per-oa", 18, "số nhóm của mỗi OA khi dùng --oas")
	f.IntVar(&oas.RatePerMin, "oa-rate-per-min", 0, "giới hạn riêng của mỗi OA, yêu cầu mỗi phút (ngoài --rate-per-min của ứng dụng); 0 là không có")
	f.StringVar(&oas.File, "oas-file", "", "tệp JSON mô tả các OA, nhóm và token của chúng (xem docs/zalosim.md)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if *ttl <= 0 || *rate < 0 || *failRate < 0 || *failRate > 1 || *slowRate < 0 || *slowRate > 1 || *slow <= 0 ||
		*failRate+*slowRate > 1 {
		return usagef("loaxa zalosim: --token-ttl phải dương, --rate-per-min không âm, --fail-rate và --slow-rate " +
			"trong khoảng 0–1 (cộng lại không quá 1), --slow dương")
	}
	lat, jitter, err := zalosim.ParseLatency(*latency)
	if err != nil {
		return usagef("loaxa zalosim: --latency %v", err)
	}
	if u, err := url.Parse(*webhookURL); *webhookURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return usagef("loaxa zalosim: --webhook-url %q: cần địa chỉ http(s)://máy[:cổng]/đường-dẫn", *webhookURL)
	}
	gs, err := zalosim.ParseGroups(*groups)
	if err != nil {
		return usagef("loaxa zalosim: --groups: %v", err)
	}
	cfg := zalosim.Config{Groups: gs, AppID: *appID, AppSecret: *appSecret, RefreshToken: *refresh,
		TokenTTL: time.Duration(*ttl) * time.Second, RatePerMin: *rate, FailRate: *failRate, RevokeOnReuse: *revoke,
		WebhookURL: *webhookURL, OASecret: *oaSecret, Latency: lat, LatencyJitter: jitter, SlowRate: *slowRate, SlowDelay: *slow}
	if err := oas.Apply(&cfg); err != nil {
		return usagef("loaxa zalosim: %v", err)
	}
	return zalosim.Run(ctx, *addr, cfg, newLogger("console", e.stderr), e.stdout)
}

// zaloConnect is `loaxa zalo connect`: the OAuth v4 PKCE flow by hand.
func zaloConnect(ctx context.Context, e *env, args []string) error {
	f := zaloFlags(e, "loaxa zalo connect", "[--redirect-uri URL | --refresh-token-file TỆP] [--commune MÃ]",
		"Kết nối OA với loaxa (OAuth v4 có PKCE): in ra đường dẫn để quản trị viên OA mở và bấm \"Cho phép\";\n"+
			"Zalo chuyển về địa chỉ callback kèm code. Dán code (hoặc cả địa chỉ callback) vào đây;\n"+
			"loaxa đổi code lấy cặp token và lưu vào cơ sở dữ liệu. Code chỉ dùng được một lần, trong 10 phút.\n"+
			"Địa chỉ callback mặc định là LOAXA_BASE_URL/zalo/callback, như trang quản trị dùng.\n"+
			"Cho kịch bản: --refresh-token-file TỆP (- là đầu vào chuẩn) dùng refresh token có sẵn của OA một lần\n"+
			"với Zalo và lưu cặp token Zalo cấp thay cho cặp đang giữ; cặp đang giữ vẫn được dùng cho tới lúc đó,\n"+
			"và cặp của một OA đã kết nối cho xã khác không được lưu.",
		"ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OAUTH_BASE", "LOAXA_BASE_URL")
	redirect := f.String("redirect-uri", "", "Official Account Callback URL đã khai báo trong trang Zalo for Developers "+
		"(mặc định LOAXA_BASE_URL/zalo/callback)")
	rtFile := f.String("refresh-token-file", "", "tệp chứa refresh token của OA (- là đầu vào chuẩn), thay cho OAuth")
	// Only the flags are checked before the prelude resolves --commune, so
	// that a usage error comes before anything is read from a file or stdin.
	o, err := f.prelude(ctx, args, 0, func([]string) error {
		if *rtFile != "" && *redirect != "" {
			return usagef("loaxa zalo connect: chọn --redirect-uri (OAuth) hoặc --refresh-token-file, không cả hai")
		}
		if *rtFile == "" && *redirect == "" && e.getenv("LOAXA_BASE_URL") == "" {
			return usagef("loaxa zalo connect: chưa biết địa chỉ callback vì LOAXA_BASE_URL chưa đặt; hãy đặt LOAXA_BASE_URL " +
				"(loaxa dùng LOAXA_BASE_URL/zalo/callback, như trang quản trị), hoặc thêm --redirect-uri URL (đúng Callback URL " +
				"đã khai báo cho OA), hoặc kết nối bằng --refresh-token-file TỆP")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer o.Close()
	if *rtFile != "" {
		token, err := readRefreshToken(e, *rtFile)
		if err != nil {
			return err
		}
		return zaloConnectRefresh(ctx, e, o, token)
	}
	if *redirect == "" {
		*redirect = o.cfg.BaseURL + "/zalo/callback" // the site's callback, which the OA declares
	}
	return zaloConnectOAuth(ctx, e, o, *redirect)
}

// zaloConnectOAuth is the OAuth flow of `zalo connect` to redirect. A
// code exchange supersedes the OA's earlier refresh token, so a code for
// the OA of another commune A, pasted bare (a callback URL names its OA
// and is refused before the exchange), leaves A's stored pair dead: the
// new pair is stored as A's, its chain now, and not as this commune's.
func zaloConnectOAuth(ctx context.Context, e *env, o *opened, redirect string) error {
	s, c := o.s, o.oa
	again := bot.ConnectCommand(o.c.Code) + " --redirect-uri " + redirect
	verifier, challenge := bot.NewPKCE()
	state := rand.Text()
	fmt.Fprintf(e.stdout, "1. Mở đường dẫn sau bằng tài khoản quản trị OA và bấm \"Cho phép\":\n\n   %s\n\n", c.AuthURL(redirect, challenge, state))
	fmt.Fprintf(e.stdout, "2. Dán vào đây code, hoặc cả địa chỉ Zalo chuyển về, rồi Enter:\n> ")
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && strings.TrimSpace(line) == "" {
		return fmt.Errorf("không nhận được code; chạy lại %s", again)
	}
	code, err := callbackCode(strings.TrimSpace(line), state)
	if err != nil {
		return fmt.Errorf("%v; chạy lại %s", err, again)
	}
	tokens := s.CommuneTokens(o.c.ID)
	if oaID := callbackOAID(strings.TrimSpace(line)); oaID != "" {
		other, err := tokens.ZaloOAOwner(ctx, oaID)
		if err != nil {
			return err
		}
		if other != nil {
			return fmt.Errorf("chưa kết nối: Official Account số %s đã được kết nối cho %s, không phải OA của %s; "+
				"không có gì thay đổi. Chạy lại %s và trên trang của Zalo chọn đúng OA của %s",
				oaID, communeLabel(other), communeLabel(o.c), again, o.c.Name)
		}
	}
	var owner *notices.Commune
	var ownerExpires time.Time
	done, err := c.ExchangeCodeFor(ctx, code, verifier, func(ctx context.Context, oa bot.OAInfo, p bot.Pair) (bool, error) {
		other, err := tokens.ZaloOAOwner(ctx, oa.ID)
		if err != nil || other == nil {
			return false, err
		}
		owner, ownerExpires = other, p.AccessExpiresAt
		return true, s.CommuneTokens(other.ID).SaveZaloTokensOfOA(ctx, "cli", p.Access, p.Refresh, p.AccessExpiresAt, oa.ID,
			"cặp mã truy cập mới của OA số "+oa.ID+", do Zalo cấp khi lệnh loaxa zalo connect cho "+communeLabel(o.c)+
				" được cấp quyền bằng OA này; cặp cũ của xã đã hết dùng được")
	})
	when := func(t time.Time) string { return t.In(s.Location()).Format("15:04 02/01/2006") }
	switch {
	case err != nil && owner != nil:
		return fmt.Errorf("Zalo đã cấp cặp token mới cho OA số %s, là OA của %s, nhưng không lưu được (%v); cặp token cũ "+
			"của %s không còn dùng được nữa. Hãy kết nối lại %s: %s --redirect-uri %s",
			done.OA.ID, communeLabel(owner), err, owner.Name, owner.Name, bot.ConnectCommand(owner.Code), redirect)
	case err != nil:
		return fmt.Errorf("Zalo không đổi code lấy token (%s); code chỉ dùng một lần trong 10 phút — chạy lại %s", bot.Reason(err), again)
	case done.Elsewhere:
		fmt.Fprintf(e.stdout, "OA: %s (số %s).\n", done.OA.Name, done.OA.ID)
		return fmt.Errorf("không kết nối %s với OA này: trên trang của Zalo đã chọn OA số %s (%s), là OA của %s. Zalo đã cấp cho OA đó "+
			"cặp token mới, làm cặp cũ của %s hết dùng được, nên loaxa đã lưu cặp mới cho %s: %s vẫn kết nối bình thường, "+
			"access token mới hết hạn lúc %s. Kết nối của %s giữ nguyên như trước, không có gì của xã này thay đổi. Hãy chạy lại %s và trên "+
			"trang của Zalo chọn đúng OA của %s (đăng nhập Zalo bằng tài khoản quản trị OA của xã đó)",
			communeLabel(o.c), done.OA.ID, done.OA.Name, communeLabel(owner), owner.Name, owner.Name, owner.Name,
			when(ownerExpires), o.c.Name, again, o.c.Name)
	}
	fmt.Fprintf(e.stdout, "Đã kết nối OA của %s; access token hết hạn lúc %s. Tiến trình đang chạy sẽ tự dùng cặp token mới.\n",
		communeLabel(o.c), when(c.Health().AccessExpiresAt))
	if done.OAErr != nil {
		fmt.Fprintf(e.stdout, "Chưa biết đây là OA nào (%s); chạy loaxa zalo status --commune %s để xem.\n", bot.Reason(done.OAErr), o.c.Code)
		return nil
	}
	if err := tokens.RecordZaloOA(ctx, done.OA.ID); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "OA: %s (số %s).\n", done.OA.Name, done.OA.ID)
	return nil
}

// callbackOAID is the oa_id of a pasted callback URL, when it looks like
// one (digits); "" for a bare code.
func callbackOAID(in string) string {
	u, err := url.Parse(in)
	if err != nil {
		return ""
	}
	v := u.Query().Get("oa_id")
	if v == "" || len(v) > 32 || strings.Trim(v, "0123456789") != "" {
		return ""
	}
	return v
}

// readRefreshToken reads the first line of file (- for stdin).
func readRefreshToken(e *env, file string) (string, error) {
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(io.LimitReader(e.stdin, 4096))
	} else {
		b, err = readLimited(file, 4096)
	}
	if err != nil {
		return "", fmt.Errorf("không đọc được refresh token từ %s: %v", file, err)
	}
	token, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if token = strings.TrimSpace(token); token == "" {
		return "", fmt.Errorf("%s không có refresh token (trống); hãy ghi refresh token của OA vào dòng đầu", file)
	}
	return token, nil
}

// zaloConnectRefresh spends token, a refresh token given by hand, with
// Zalo, and stores the pair it gives as the commune's, so that a wrong one
// is reported now and not by the daemon later. The commune's stored pair
// stays in use until the new one is known to be of an OA no other commune
// has (bot.ConnectRefreshToken): a token of another commune's OA is
// spent, as Zalo gives no way to know whose it is before, but its pair is
// not stored, and the stored pairs are as they were.
func zaloConnectRefresh(ctx context.Context, e *env, o *opened, token string) error {
	s, c, commune := o.s, o.oa, o.c
	tokens := s.CommuneTokens(commune.ID)
	if other, err := tokens.ZaloRefreshOwner(ctx, token); err != nil || other != nil {
		if err != nil {
			return err
		}
		return refreshTokenOfAnother(ctx, s, commune, other)
	}
	var owner *notices.Commune
	done, err := c.ConnectRefreshToken(ctx, token, func(ctx context.Context, oa bot.OAInfo) error {
		other, err := tokens.ZaloOAOwner(ctx, oa.ID)
		if err == nil && other != nil {
			owner = other
			// The text goes to the audit log, which staff read.
			return fmt.Errorf("OA số %s đang được ghi là của %s", oa.ID, communeLabel(other))
		}
		return err
	})
	when := func(t time.Time) string { return t.In(s.Location()).Format("15:04 02/01/2006") }
	switch {
	case errors.Is(err, bot.ErrTokenNotTaken):
		return fmt.Errorf("Zalo không nhận refresh token này (%s); không có gì thay đổi: cặp token đang lưu của %s "+
			"được giữ nguyên. Hãy kiểm tra lại refresh token, hoặc kết nối bằng --redirect-uri", bot.Reason(err), communeLabel(commune))
	case errors.Is(err, notices.ErrHandTokenSent):
		return fmt.Errorf("chưa kết nối: refresh token này đã được gửi cho Zalo trước đây mà loaxa không nhận được trả lời, nên "+
			"Zalo có thể đã dùng nó; gửi lại một refresh token đã dùng có thể khiến Zalo thu hồi kết nối. Cặp token đang lưu của %s "+
			"được giữ nguyên. Hãy lấy refresh token mới của OA của %s (hoặc kết nối bằng --redirect-uri)",
			communeLabel(commune), commune.Name)
	case errors.Is(err, bot.ErrPairRefused) && owner != nil:
		return fmt.Errorf("chưa kết nối: refresh token này là của OA số %s (%s), OA đang kết nối cho %s, không phải OA của %s. "+
			"Zalo chỉ cho biết OA của một refresh token sau khi đổi nó lấy cặp mới, nên refresh token trong tệp đã dùng rồi, "+
			"đừng dùng lại. Cặp token mới không được lưu cho %s; các cặp token đang lưu được giữ nguyên. Hãy lấy refresh token "+
			"của đúng OA của %s rồi chạy lại lệnh này; nếu chính %s cần kết nối lại, chạy loaxa zalo connect --commune %s",
			done.OA.ID, done.OA.Name, communeLabel(owner), communeLabel(commune), communeLabel(commune), commune.Name,
			communeLabel(owner), owner.Code)
	case errors.Is(err, bot.ErrPairHeld):
		return fmt.Errorf("Zalo đã đổi refresh token này lấy cặp token mới, và cặp mới đã được ghi lại, nhưng chưa hỏi được Zalo đó là OA "+
			"nào (%s), nên chưa dùng cho %s; cặp token đang lưu được giữ nguyên. Refresh token trong tệp đã dùng rồi: hãy chạy lại "+
			"loaxa zalo connect --commune %s --refresh-token-file với tệp đó để hoàn tất (nó không được gửi lại)",
			bot.Reason(err), communeLabel(commune), commune.Code)
	case err != nil:
		return fmt.Errorf("chưa biết Zalo có nhận refresh token này không (%s); cặp token đang lưu của %s được giữ nguyên, và "+
			"refresh token này sẽ không được gửi lại vì Zalo có thể đã dùng nó. Hãy chạy loaxa zalo status --commune %s; "+
			"nếu cần, lấy refresh token mới hoặc kết nối bằng --redirect-uri", bot.Reason(err), communeLabel(commune), commune.Code)
	}
	if done.Resumed {
		fmt.Fprintf(e.stdout, "Đã hoàn tất lần kết nối trước bị ngắt giữa chừng (cặp token Zalo đã cấp khi đó); "+
			"refresh token vừa cho không được dùng.\n")
	}
	fmt.Fprintf(e.stdout, "Đã kết nối OA của %s; access token hết hạn lúc %s.\n", communeLabel(commune), when(c.Health().AccessExpiresAt))
	if done.OAErr != nil {
		fmt.Fprintf(e.stdout, "Chưa biết đây là OA nào (%s); chạy loaxa zalo status --commune %s để xem.\n", bot.Reason(done.OAErr), commune.Code)
		return nil
	}
	fmt.Fprintf(e.stdout, "OA: %s (số %s).\n", done.OA.Name, done.OA.ID)
	return nil
}

// refreshTokenOfAnother is why a refresh token stored as commune other's
// is not taken for commune: it says where the token is stored, and no more
// (the OA recorded for it may be wrong: an older loaxa stored a code
// exchanged for one commune's OA as another's, F14).
func refreshTokenOfAnother(ctx context.Context, s *notices.Store, commune, other *notices.Commune) error {
	msg := fmt.Sprintf("chưa kết nối: refresh token này đang được lưu làm token của %s, nên không được dùng cho %s; nó "+
		"chưa được gửi cho Zalo và không có gì thay đổi", communeLabel(other), communeLabel(commune))
	oa, err := s.CommuneTokens(other.ID).ZaloOA(ctx)
	if err != nil {
		return err
	}
	mine, err := s.CommuneTokens(commune.ID).ZaloOA(ctx)
	if err != nil {
		return err
	}
	if oa != "" && oa == mine {
		return fmt.Errorf("%s. Cặp token đó được ghi là của OA số %s, cũng là OA đang ghi cho %s: một OA không dùng chung "+
			"cho hai xã được. Hãy kết nối lại %s bằng đúng OA của %s trước (%s), rồi chạy lại lệnh này",
			msg, oa, communeLabel(commune), other.Name, other.Name, bot.ConnectCommand(other.Code))
	}
	return fmt.Errorf("%s. Hãy lấy refresh token của OA của %s", msg, commune.Name)
}

// callbackCode takes a bare code or the callback URL Zalo redirected to,
// whose state must match.
func callbackCode(in, state string) (string, error) {
	if !strings.Contains(in, "code=") {
		if in == "" {
			return "", errors.New("code trống; dán code hoặc địa chỉ Zalo chuyển về")
		}
		return in, nil
	}
	u, err := url.Parse(in)
	if err != nil {
		return "", fmt.Errorf("địa chỉ callback không đọc được: %v", err)
	}
	q := u.Query()
	if st := q.Get("state"); st != "" && st != state {
		return "", errors.New("state trong địa chỉ callback không khớp lần kết nối này")
	}
	if q.Get("code") == "" {
		return "", errors.New("địa chỉ callback không có code")
	}
	return q.Get("code"), nil
}

// zaloStatus is `loaxa zalo status`: the stored token and a live check.
func zaloStatus(ctx context.Context, e *env, args []string) error {
	f := zaloFlags(e, "loaxa zalo status", "",
		"Cho biết OA đã kết nối chưa, access token hết hạn khi nào, và thử gọi Zalo (danh sách nhóm).",
		"ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_API_BASE", "ZALO_OAUTH_BASE")
	o, err := f.prelude(ctx, args, 0, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	s, c := o.s, o.oa
	if err := c.Reload(ctx); err != nil {
		return fmt.Errorf("%s", bot.Reason(err))
	}
	groups, err := c.ListGroups(ctx)
	h := c.Health()
	switch at := h.AccessExpiresAt.In(s.Location()).Format("15:04 02/01/2006"); {
	case h.AccessExpiresAt.IsZero():
	case h.Refused:
		state := "ghi hạn tới " + at + ", nhưng"
		if !h.AccessExpiresAt.After(s.Now()) {
			state = "đã hết hạn lúc " + at + " và"
		}
		fmt.Fprintf(e.stdout, "Access token %s không làm mới được nữa: Zalo không nhận mã làm mới (refresh token) "+
			"đang lưu; cần kết nối lại OA.\n", state)
	default:
		fmt.Fprintf(e.stdout, "Access token hết hạn lúc %s (tự làm mới trước khi hết hạn).\n", at)
	}
	if h.RefreshFailing {
		fmt.Fprintf(e.stdout, "Cảnh báo: lần làm mới token gần nhất không được (%s); cặp token được giữ nguyên và sẽ thử lại.\n",
			h.LastError)
	}
	if err != nil {
		return fmt.Errorf("gọi Zalo không được: %s", bot.Reason(err))
	}
	fmt.Fprintf(e.stdout, "Kết nối tốt: OA quản lý %d nhóm.\n", len(groups))
	if info, err := c.OAInfo(ctx); err == nil {
		fmt.Fprintf(e.stdout, "%s đang kết nối với OA %s (số %s).\n", communeLabel(o.c), info.Name, info.ID)
		if err := s.CommuneTokens(o.c.ID).RecordZaloOA(ctx, info.ID); err != nil {
			return err
		}
	}
	return nil
}
