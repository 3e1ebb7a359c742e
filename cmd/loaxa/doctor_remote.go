package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// The checks that talk to something: Zalo, the public address, the service.

const (
	skewFail       = 2 * time.Minute     // schedules and token lifetimes go wrong
	skewWarn       = 30 * time.Second    // worth fixing before it grows
	refreshWarn    = 14 * 24 * time.Hour // refresh token older than its life minus this
	packageWarnFor = 7 * 24 * time.Hour
)

func (d *doctor) checkZalo(ctx context.Context) {
	if d.cfg.ZaloAppID == "" || d.cfg.ZaloAppSecret == "" || d.store == nil {
		why := "ZALO_APP_ID/ZALO_APP_SECRET chưa đặt"
		if d.store == nil {
			why = "cơ sở dữ liệu chưa đọc được"
		}
		d.add("zalo", "zalo.rest", checkSkip, "các kiểm tra Zalo được bỏ qua: "+why, "sửa lỗi ở trên trước")
		return
	}
	if cs, err := d.store.Communes(ctx); err == nil && len(cs) > 1 {
		d.checkCommuneTokens(ctx, cs)
		return
	}
	access, refresh, _, err := d.store.LoadZaloTokens(ctx)
	if err != nil {
		d.add("zalo", "zalo.token", checkFail, fmt.Sprintf("không đọc được token trong cơ sở dữ liệu: %v", err), "")
		return
	}
	if access == "" && refresh == "" {
		if d.cfg.ZaloRefreshToken != "" {
			d.add("zalo", "zalo.token", checkWarn,
				"cơ sở dữ liệu chưa có token; ZALO_REFRESH_TOKEN sẽ được lưu khi dịch vụ khởi động lần đầu",
				"khởi động dịch vụ (systemctl start loaxa), rồi chạy lại loaxa doctor")
		} else {
			d.add("zalo", "zalo.token", checkFail, "OA chưa kết nối: cơ sở dữ liệu không có token Zalo",
				"kết nối OA: loaxa zalo connect --redirect-uri https://tên-miền/zalo/callback, hoặc trang quản trị → "+
					"Kết nối Zalo → Kết nối Zalo OA (docs/GOING-LIVE.md, bước 6)")
		}
		d.add("zalo", "zalo.rest", checkSkip, "các kiểm tra Zalo cần OA đã kết nối", "")
		return
	}
	c := d.newDoctorClient()
	if err := c.Reload(ctx); err != nil {
		d.add("zalo", "zalo.token", checkFail, bot.Reason(err),
			"kết nối lại OA: loaxa zalo connect hoặc trang quản trị → Kết nối Zalo OA (docs/GOING-LIVE.md, bước 6)")
		d.add("zalo", "zalo.rest", checkSkip, "các kiểm tra Zalo cần OA đã kết nối", "")
		return
	}
	if saved, err := d.store.ZaloTokensSavedAt(ctx); err == nil && !saved.IsZero() {
		expires := saved.Add(bot.RefreshTokenLife)
		left := expires.Sub(d.now())
		msg := fmt.Sprintf("cặp token được cấp lúc %s; refresh token hết hạn khoảng %s nếu không được làm mới",
			d.local(saved), d.local(expires))
		switch {
		case left <= 0:
			d.add("zalo", "zalo.refresh_token", checkFail, msg+": đã quá hạn",
				"kết nối lại OA: loaxa zalo connect (docs/GOING-LIVE.md, bước 6)")
		case left < refreshWarn:
			d.add("zalo", "zalo.refresh_token", checkWarn, msg+": sắp hết hạn, và dịch vụ lẽ ra đã làm mới nó",
				"kiểm tra dịch vụ đang chạy (systemctl status loaxa); nếu không, kết nối lại OA")
		default:
			d.add("zalo", "zalo.refresh_token", checkOK, msg, "")
		}
	}

	groups, err := c.ListGroups(ctx) // the live call; may refresh the access token, as the daemon would
	h := c.Health()
	if err != nil {
		d.add("zalo", "zalo.live", checkFail, "gọi Zalo không được: "+bot.Reason(err), liveFix(err, d.cfg.ZaloAPIBase))
		d.add("zalo", "zalo.rest", checkSkip, "các kiểm tra nhóm và gói được bỏ qua", "")
		return
	}
	d.add("zalo", "zalo.live", checkOK, fmt.Sprintf("gọi Zalo được: OA quản lý %d nhóm; access token hết hạn lúc %s (tự làm mới)",
		len(groups), d.local(h.AccessExpiresAt)), "")
	d.checkRate(c)
	d.checkGroups(ctx, c, groups)
}

func liveFix(err error, base string) string {
	var ae *bot.APIError
	var te *bot.TransportError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("kiểm tra máy này ra được Internet và tới %s (DNS, tường lửa, proxy ra ngoài)", base)
	case errors.As(err, &ae) && (ae.Code == -209 || ae.Code == -212 || ae.Code == -221 || ae.Code == -223 || ae.Code == -224):
		return "ứng dụng hoặc OA chưa đủ điều kiện: xác thực OA, kích hoạt ứng dụng, đăng ký Official Account API, " +
			"cho OA cấp quyền (docs/GOING-LIVE.md, bước 1–3)"
	case errors.Is(err, bot.ErrReconnect), errors.Is(err, bot.ErrNotConnected):
		return "kết nối lại OA: loaxa zalo connect (docs/GOING-LIVE.md, bước 6)"
	}
	return "xem thông báo lỗi của Zalo; chạy lại sau ít phút nếu đó là lỗi tạm thời"
}

// checkRate compares ZALO_RATE_PER_MIN with the limit Zalo announced.
func (d *doctor) checkRate(c *bot.Client) {
	ours := d.cfg.ZaloRatePerMin
	if ours == 0 {
		ours = bot.DefaultRatePerMin
	}
	seen, ok := c.RateLimitSeen()
	switch {
	case !ok:
		d.add("zalo", "zalo.rate", checkOK,
			fmt.Sprintf("loaxa gửi tối đa %d yêu cầu/phút; Zalo không báo giới hạn (không có tiêu đề X-RateLimit-*)", ours), "")
	case ours > seen.Limit:
		d.add("zalo", "zalo.rate", checkFail,
			fmt.Sprintf("Zalo cho ứng dụng/OA này %d yêu cầu/phút, loaxa đặt %d: tin gửi nhiều sẽ bị Zalo từ chối (-32)", seen.Limit, ours),
			fmt.Sprintf("đặt ZALO_RATE_PER_MIN=%d trong /etc/loaxa/loaxa.env và khởi động lại dịch vụ", seen.Limit))
	case seen.Remain < seen.Limit/10:
		d.add("zalo", "zalo.rate", checkWarn,
			fmt.Sprintf("giới hạn %d yêu cầu/phút, chỉ còn %d trong phút này: một chương trình khác dùng chung ứng dụng?", seen.Limit, seen.Remain),
			"kiểm tra không có loaxa thứ hai hoặc chương trình khác dùng cùng ứng dụng Zalo")
	default:
		d.add("zalo", "zalo.rate", checkOK,
			fmt.Sprintf("giới hạn của Zalo %d yêu cầu/phút (còn %d), loaxa đặt %d", seen.Limit, seen.Remain, ours), "")
	}
}

// checkGroups asks Zalo about each active hamlet's group: reachable,
// enabled, and its GMF package not about to expire.
func (d *doctor) checkGroups(ctx context.Context, c *bot.Client, groups []bot.Group) {
	hs, err := d.store.Hamlets(ctx)
	if err != nil {
		d.add("zalo", "zalo.groups", checkFail, fmt.Sprintf("không đọc được danh sách thôn/ấp: %v", err), "")
		return
	}
	listed := map[string]bool{}
	for _, g := range groups {
		listed[g.GroupID] = true
	}
	good, bad, expiring, left := 0, 0, 0, 0
	for _, h := range hs {
		if !h.Active {
			continue
		}
		if ctx.Err() != nil {
			left++
			continue
		}
		name := fmt.Sprintf("%s (%s, nhóm %s)", h.Name, h.Code, h.GroupID)
		info, err := c.GroupInfo(ctx, h.GroupID)
		var ae *bot.APIError
		switch {
		case errors.As(err, &ae) && ae.Code == -403:
			bad++
			d.add("zalo", "zalo.group", checkFail, name+": OA không ở trong nhóm này (Zalo trả -403)",
				"sửa group_id của thôn/ấp ở trang quản trị → Thôn/ấp, hoặc loaxa hamlet sync để xem các nhóm của OA")
			continue
		case err != nil && ctx.Err() != nil:
			left++
			continue
		case err != nil:
			bad++
			d.add("zalo", "zalo.group", checkFail, name+": không hỏi được Zalo về nhóm: "+bot.Reason(err), "chạy lại sau ít phút")
			continue
		case info.Status != "" && info.Status != "enabled":
			bad++
			// A group is disabled when its package lapsed (-237): say so,
			// since renewing is then the fix.
			if exp, ok := info.AssetExpiry(); ok && !exp.After(d.now()) {
				d.add("zalo", "zalo.package", checkFail, fmt.Sprintf("%s: gói GMF đã hết hạn lúc %s, nhóm bị tắt, tin gửi sẽ bị từ chối", name, d.local(exp)),
					"gia hạn gói GMF của nhóm ở oa.zalo.me → Quản lý gói (docs/GOING-LIVE.md, bước 3)")
				continue
			}
			d.add("zalo", "zalo.group", checkFail, fmt.Sprintf("%s: nhóm đang bị tắt (%s), tin gửi sẽ bị từ chối", name, info.Status),
				"gia hạn hoặc gắn gói GMF cho nhóm ở trang quản lý OA (oa.zalo.me)")
			continue
		}
		if !listed[h.GroupID] && len(groups) > 0 {
			d.add("zalo", "zalo.group", checkWarn, name+": nhóm trả lời được nhưng không có trong danh sách nhóm của OA", "")
		}
		if exp, ok := info.AssetExpiry(); ok {
			left := exp.Sub(d.now())
			switch {
			case left <= 0:
				bad++
				d.add("zalo", "zalo.package", checkFail, fmt.Sprintf("%s: gói GMF đã hết hạn lúc %s", name, d.local(exp)),
					"gia hạn gói GMF của nhóm ở oa.zalo.me → Quản lý gói (docs/GOING-LIVE.md, bước 3)")
				continue
			case left < packageWarnFor && !info.AssetAutoRenew:
				expiring++
				d.add("zalo", "zalo.package", checkWarn,
					fmt.Sprintf("%s: gói GMF hết hạn lúc %s (còn %d ngày), không tự gia hạn", name, d.local(exp), int(left.Hours()/24)),
					"gia hạn gói GMF ở oa.zalo.me → Quản lý gói, hoặc bật tự gia hạn (docs/GOING-LIVE.md, bước 3)")
			}
		}
		good++
	}
	if left > 0 {
		d.add("zalo", "zalo.groups_unchecked", checkSkip,
			fmt.Sprintf("hết thời gian (--timeout %s) khi còn %d thôn/ấp chưa kiểm", d.timeout, left),
			"chạy lại với --timeout dài hơn, ví dụ loaxa doctor --timeout 15m")
	}
	switch {
	case good+bad == 0 && left > 0:
		return
	case good+bad == 0:
		d.add("zalo", "zalo.groups", checkWarn, "chưa có thôn/ấp nào đang bật để kiểm nhóm", "loaxa hamlet sync")
	case bad == 0:
		msg := fmt.Sprintf("nhóm của cả %d thôn/ấp đang bật đều trả lời được, nhóm đang mở", good)
		if expiring > 0 {
			msg += fmt.Sprintf("; %d gói GMF sắp hết hạn (ở trên)", expiring)
		}
		d.add("zalo", "zalo.groups", checkOK, msg, "")
	default:
		d.add("zalo", "zalo.groups", checkFail, fmt.Sprintf("%d thôn/ấp có nhóm không gửi được, %d thôn/ấp tốt", bad, good),
			"xem từng dòng ở trên")
	}
}

// checkSkew compares this machine's clock with the Date header of an
// answer from Zalo's API server.
func (d *doctor) checkSkew(ctx context.Context) {
	if !strings.HasPrefix(d.cfg.ZaloAPIBase, "http") {
		return // reported with the configuration
	}
	before := d.now()
	resp, _, err := d.get(ctx, http.MethodGet, d.cfg.ZaloAPIBase+"/", nil)
	after := d.now()
	if err != nil {
		d.add("clock", "clock.skew", checkWarn, "không so được đồng hồ với máy chủ Zalo: "+shortErr(err),
			"kiểm tra máy này ra được Internet (xem kiểm tra Zalo bên dưới)")
		return
	}
	theirs, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		d.add("clock", "clock.skew", checkWarn, "máy chủ Zalo không báo giờ (tiêu đề Date)", "")
		return
	}
	ours := before.Add(after.Sub(before) / 2)
	skew := ours.Sub(theirs)
	if skew < 0 {
		skew = -skew
	}
	skew = skew.Round(time.Second)
	msg := fmt.Sprintf("đồng hồ máy này lệch %s so với máy chủ Zalo", skew)
	fix := "bật đồng bộ giờ: timedatectl set-ntp true (hoặc cài chrony/systemd-timesyncd)"
	switch {
	case skew > skewFail:
		d.add("clock", "clock.skew", checkFail, msg+": giờ gửi, giờ yên lặng và hạn token đều sai theo", fix)
	case skew > skewWarn:
		d.add("clock", "clock.skew", checkWarn, msg, fix)
	default:
		d.add("clock", "clock.skew", checkOK, msg, "")
	}
}

// checkWebhook looks at the site from outside, through LOAXA_BASE_URL: the
// proxy reaches this loaxa, and the webhook path is served.
func (d *doctor) checkWebhook(ctx context.Context) {
	base := strings.TrimRight(strings.TrimSpace(d.e.getenv("LOAXA_BASE_URL")), "/")
	if !d.baseOK {
		d.add("webhook", "webhook.public", checkSkip, "LOAXA_BASE_URL chưa đặt hoặc sai: không có địa chỉ công khai để kiểm",
			"xem kiểm tra cấu hình ở trên")
		return
	}
	resp, body, err := d.get(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		d.add("webhook", "webhook.public", checkFail, fmt.Sprintf("không mở được %s/healthz: %s", base, shortErr(err)),
			"kiểm tra tên miền trỏ về máy này (DNS), proxy TLS đang chạy, tường lửa mở cổng 443")
		return
	}
	var h struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(body, &h) != nil || (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable) {
		d.add("webhook", "webhook.public", checkFail,
			fmt.Sprintf("%s/healthz trả HTTP %d, không phải loaxa trả lời", base, resp.StatusCode),
			"kiểm tra proxy chuyển mọi đường dẫn tới LOAXA_HTTP_ADDR (ví dụ Caddy: reverse_proxy 127.0.0.1:8080)")
		return
	}
	d.add("webhook", "webhook.public", checkOK, fmt.Sprintf("%s tới được loaxa từ bên ngoài (phiên bản %s)", base, orDash(h.Version)), "")

	// An unsigned event must be refused; a 404 means the path does not reach loaxa.
	resp, _, err = d.get(ctx, http.MethodPost, base+"/zalo/webhook", strings.NewReader(`{"event_name":"loaxa_doctor"}`))
	switch {
	case err != nil:
		d.add("webhook", "webhook.path", checkFail, "không gọi được "+base+"/zalo/webhook: "+shortErr(err), "kiểm tra proxy")
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		d.add("webhook", "webhook.path", checkFail,
			fmt.Sprintf("%s/zalo/webhook trả HTTP %d: Zalo sẽ không gửi được sự kiện", base, resp.StatusCode),
			"kiểm tra proxy chuyển cả POST /zalo/webhook tới loaxa, và bản loaxa này có webhook")
	case resp.StatusCode < 300:
		d.add("webhook", "webhook.path", checkFail, base+"/zalo/webhook nhận cả sự kiện không có chữ ký",
			"đặt ZALO_OA_SECRET và khởi động lại dịch vụ")
	default:
		d.add("webhook", "webhook.path", checkOK,
			fmt.Sprintf("%s/zalo/webhook từ chối sự kiện không có chữ ký (HTTP %d), như phải thế", base, resp.StatusCode), "")
	}
}

// checkService asks the running daemon's /healthz on LOAXA_HTTP_ADDR.
func (d *doctor) checkService(ctx context.Context) {
	host, port, err := net.SplitHostPort(d.cfg.HTTPAddr)
	if err != nil {
		d.add("service", "service.health", checkSkip, "LOAXA_HTTP_ADDR không hợp lệ (ở trên)", "")
		return
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	u := "http://" + net.JoinHostPort(host, port) + "/healthz"
	resp, body, err := d.get(ctx, http.MethodGet, u, nil)
	if err != nil {
		d.add("service", "service.health", checkWarn, fmt.Sprintf("không có loaxa nào trả lời ở %s: dịch vụ chưa chạy?", u),
			"systemctl start loaxa; xem lý do: journalctl -u loaxa -n 50")
		return
	}
	var h struct {
		OK       bool     `json:"ok"`
		Version  string   `json:"version"`
		Problems []string `json:"problems"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		d.add("service", "service.health", checkFail, fmt.Sprintf("%s trả HTTP %d không phải của loaxa", u, resp.StatusCode),
			"một chương trình khác đang dùng cổng này; đổi LOAXA_HTTP_ADDR hoặc dừng chương trình đó")
		return
	}
	if !h.OK {
		d.add("service", "service.health", checkFail, "dịch vụ đang chạy báo lỗi: "+strings.Join(h.Problems, "; "),
			"làm theo chỉ dẫn trong thông báo; nhật ký: journalctl -u loaxa -n 50")
	} else {
		d.add("service", "service.health", checkOK, fmt.Sprintf("dịch vụ đang chạy và khỏe (%s)", u), "")
	}
	if mine := currentBuild().String(); h.Version != "" && h.Version != mine {
		d.add("service", "service.version", checkWarn,
			fmt.Sprintf("dịch vụ đang chạy bản %s, còn lệnh này là bản %s", h.Version, mine),
			"sau khi nâng cấp, khởi động lại dịch vụ: systemctl restart loaxa")
	}
}

// local formats t in the commune's zone.
func (d *doctor) local(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	loc := d.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("15:04 02/01/2006")
}

// checkCommuneTokens is the Zalo check of a province: whether each active
// commune's OA has a token pair stored (each sends through its own).
func (d *doctor) checkCommuneTokens(ctx context.Context, cs []notices.Commune) {
	for _, c := range cs {
		if !c.Active {
			continue
		}
		access, refresh, _, err := d.store.CommuneTokens(c.ID).LoadZaloTokens(ctx)
		switch {
		case err != nil:
			d.add("zalo", "zalo.token."+c.Code, checkFail, fmt.Sprintf("xã %s: không đọc được token: %v", c.Code, err), "")
		case access == "" && refresh == "":
			d.add("zalo", "zalo.token."+c.Code, checkFail, fmt.Sprintf("xã %s: OA chưa kết nối; tin của xã này chờ trong hàng đợi, các xã khác vẫn gửi", c.Code),
				"loaxa zalo connect --commune "+c.Code)
		default:
			d.add("zalo", "zalo.token."+c.Code, checkOK, fmt.Sprintf("xã %s: đã lưu token OA", c.Code), "")
		}
	}
	d.add("zalo", "zalo.rest", checkSkip, "nhiều xã: loaxa doctor chưa gọi thử Zalo cho từng OA; xem /healthz (mục communes) khi loaxa serve chạy", "")
}
