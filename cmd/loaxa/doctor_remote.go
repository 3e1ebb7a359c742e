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
)

// The checks that talk to something: Zalo, the public address, the service.

const (
	skewFail       = 2 * time.Minute     // schedules and token lifetimes go wrong
	skewWarn       = 30 * time.Second    // worth fixing before it grows
	refreshWarn    = 14 * 24 * time.Hour // refresh token older than its life minus this
	packageWarnFor = 7 * 24 * time.Hour
)

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
		return "kết nối lại OA: " + bot.ConnectCommand("") + " (docs/GOING-LIVE.md, bước 6)"
	}
	return "xem thông báo lỗi của Zalo; chạy lại sau ít phút nếu đó là lỗi tạm thời"
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
