package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/web"
)

// Config is loaxa's configuration, read from the environment (design.md).
// Secrets may also come from a file named by the variable with _FILE
// appended (ZALO_APP_SECRET_FILE …); they are never logged.
type Config struct {
	DB           string              // LOAXA_DB; the --db flag overrides it
	HTTPAddr     string              // LOAXA_HTTP_ADDR
	TZ           string              // LOAXA_TZ
	Location     *time.Location      // loaded from TZ
	Commune      string              // LOAXA_COMMUNE: the name in the message footer
	Province     string              // LOAXA_PROVINCE: the footer of province-wide notices (several communes)
	QuietHours   string              // LOAXA_QUIET_HOURS as given: "21:00-06:00" or "off"
	Quiet        schedule.QuietHours // parsed from QuietHours
	MaxLateness  time.Duration       // LOAXA_MAX_LATENESS
	PollInterval time.Duration       // LOAXA_POLL_INTERVAL
	SendConc     int                 // LOAXA_SEND_CONCURRENCY; 0: sized from the round trip and the rate
	SelfApprove  bool                // LOAXA_SELF_APPROVE=1
	Bulletin     []string            // LOAXA_BULLETIN: cron specs separated by ';'
	LogFormat    string              // LOAXA_LOG_FORMAT: json or console

	Slots []notices.Recurrence // parsed from Bulletin in Location: the one reading of LOAXA_BULLETIN

	BaseURL      string         // LOAXA_BASE_URL: the public address, e.g. https://loa.xaanphu.gov.vn
	TrustProxy   []netip.Prefix // LOAXA_TRUST_PROXY: proxies whose X-Forwarded-* are believed
	SessionIdle  time.Duration  // LOAXA_SESSION_IDLE
	AddrFailures int            // LOAXA_LOGIN_ADDR_FAILURES
	MetricsToken string         // LOAXA_METRICS_TOKEN (secret): bearer token for /metrics

	ZaloAppID        string // ZALO_APP_ID
	ZaloAppSecret    string // ZALO_APP_SECRET (secret)
	ZaloRefreshToken string // ZALO_REFRESH_TOKEN (secret; first start only)
	ZaloOASecret     string // ZALO_OA_SECRET (secret; webhook signatures)
	ZaloAPIBase      string // ZALO_API_BASE
	ZaloOAuthBase    string // ZALO_OAUTH_BASE
	ZaloRatePerMin   int    // ZALO_RATE_PER_MIN; 0 means the bot package's default (4000, the per-app limit)
}

// envVar documents one variable for the README and --help.
type envVar struct {
	Name, Default, Doc string
}

// envVars lists every variable Config reads, in the order --help shows them.
var envVars = []envVar{
	{"LOAXA_DB", "loaxa.db", "tệp cơ sở dữ liệu SQLite (cờ --db ghi đè)"},
	{"LOAXA_HTTP_ADDR", "127.0.0.1:8080", "địa chỉ trang quản trị (serve)"},
	{"LOAXA_TZ", "Asia/Ho_Chi_Minh", "múi giờ của xã: giờ nhập, hiển thị và lịch lặp"},
	{"LOAXA_COMMUNE", "UBND xã", "tên xã/phường ở cuối mỗi tin"},
	{"LOAXA_PROVINCE", "", "nhiều xã: tên tỉnh ở cuối tin cấp tỉnh, ví dụ \"UBND tỉnh An Giang\""},
	{"LOAXA_QUIET_HOURS", "21:00-06:00", "giờ yên lặng: tin thường và bản tin chờ đến sáng; off để tắt"},
	{"LOAXA_MAX_LATENESS", "1h", "lượt lặp bị lỡ quá mức này thì bỏ qua (thời lượng Go)"},
	{"LOAXA_POLL_INTERVAL", "1s", "chu kỳ kiểm tra tin mới do chương trình khác ghi"},
	{"LOAXA_SEND_CONCURRENCY", "", "số tin gửi cùng lúc tới Zalo (1–256); trống: tự tính theo thời gian khứ hồi và ZALO_RATE_PER_MIN"},
	{"LOAXA_SELF_APPROVE", "0", "1: người duyệt được duyệt thông báo do chính mình viết"},
	{"LOAXA_BULLETIN", "30 6,17 * * *", "giờ gửi bản tin (lịch cron, nhiều lịch cách nhau bởi ;)"},
	{"LOAXA_LOG_FORMAT", "json", "định dạng nhật ký: json hoặc console"},
	{"LOAXA_BASE_URL", "", "địa chỉ công khai của trang, ví dụ https://loa.xaanphu.gov.vn: liên kết tuyệt đối, địa chỉ quay về của Zalo; https thì cookie Secure và HSTS"},
	{"LOAXA_TRUST_PROXY", "", "địa chỉ hoặc CIDR của reverse proxy (nginx, Caddy) được tin tiêu đề X-Forwarded-For/-Proto, ví dụ 127.0.0.1"},
	{"LOAXA_SESSION_IDLE", "2h", "phiên đăng nhập không dùng quá mức này thì hết (ngoài giới hạn 12h)"},
	{"LOAXA_LOGIN_ADDR_FAILURES", "20", "số lần đăng nhập sai từ một địa chỉ (mọi tên) trước khi phải chờ lâu dần; cả văn phòng chung một địa chỉ NAT thì tăng lên"},
	{"LOAXA_METRICS_TOKEN", "", "nếu đặt: /metrics cần tiêu đề Authorization: Bearer <mã> (hoặc LOAXA_METRICS_TOKEN_FILE)"},
	{"ZALO_APP_ID", "", "mã ứng dụng Zalo"},
	{"ZALO_APP_SECRET", "", "khóa bí mật ứng dụng Zalo (hoặc ZALO_APP_SECRET_FILE)"},
	{"ZALO_REFRESH_TOKEN", "", "refresh token đầu tiên; sau đó cơ sở dữ liệu giữ cặp token (hoặc _FILE)"},
	{"ZALO_OA_SECRET", "", "khóa kiểm chữ ký webhook của OA (hoặc ZALO_OA_SECRET_FILE)"},
	{"ZALO_API_BASE", "https://openapi.zalo.me", "địa chỉ API Zalo OA"},
	{"ZALO_OAUTH_BASE", "https://oauth.zaloapp.com", "địa chỉ OAuth Zalo"},
	{"ZALO_RATE_PER_MIN", "4000", "số yêu cầu tối đa mỗi phút tới Zalo (gói OA Growth: 100)"},
}

// loadConfig reads the environment over the defaults and validates the result.
func loadConfig(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, e := range envVars {
			if e.Name == name {
				return e.Default
			}
		}
		return ""
	}
	var errs []error
	// A secret that is set but blank (only spaces, or an empty file) is
	// refused: read as unset, LOAXA_METRICS_TOKEN=" " would leave /metrics
	// open while the operator believes it guarded.
	secret := func(name string) string {
		if f := strings.TrimSpace(getenv(name + "_FILE")); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: không đọc được tệp %s: %v", name, f, err))
				return ""
			}
			v := strings.TrimSpace(string(b))
			if v == "" {
				errs = append(errs, fmt.Errorf("%s_FILE: tệp %s trống (chỉ có dấu cách hoặc xuống dòng); "+
					"hãy ghi mã vào tệp, hoặc bỏ biến %s_FILE nếu không dùng", name, f, name))
			}
			return v
		}
		raw := getenv(name)
		v := strings.TrimSpace(raw)
		if v == "" && raw != "" {
			errs = append(errs, fmt.Errorf("%s chỉ có dấu cách; hãy đặt mã thật, hoặc bỏ hẳn biến %s nếu không dùng", name, name))
		}
		return v
	}
	c := Config{
		DB:               get("LOAXA_DB"),
		HTTPAddr:         get("LOAXA_HTTP_ADDR"),
		TZ:               get("LOAXA_TZ"),
		Commune:          get("LOAXA_COMMUNE"),
		Province:         get("LOAXA_PROVINCE"),
		QuietHours:       get("LOAXA_QUIET_HOURS"),
		SelfApprove:      get("LOAXA_SELF_APPROVE") == "1",
		LogFormat:        get("LOAXA_LOG_FORMAT"),
		BaseURL:          strings.TrimRight(get("LOAXA_BASE_URL"), "/"),
		MetricsToken:     secret("LOAXA_METRICS_TOKEN"),
		ZaloAppID:        get("ZALO_APP_ID"),
		ZaloAppSecret:    secret("ZALO_APP_SECRET"),
		ZaloRefreshToken: secret("ZALO_REFRESH_TOKEN"),
		ZaloOASecret:     secret("ZALO_OA_SECRET"),
		ZaloAPIBase:      strings.TrimRight(get("ZALO_API_BASE"), "/"),
		ZaloOAuthBase:    strings.TrimRight(get("ZALO_OAUTH_BASE"), "/"),
	}
	for _, spec := range strings.Split(get("LOAXA_BULLETIN"), ";") {
		if spec = strings.TrimSpace(spec); spec != "" {
			c.Bulletin = append(c.Bulletin, spec)
		}
	}
	dur := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q không phải thời lượng; hãy viết như 1h, 30m hoặc 1s", name, get(name)))
		}
		return d
	}
	c.MaxLateness = dur("LOAXA_MAX_LATENESS")
	c.SessionIdle = dur("LOAXA_SESSION_IDLE")
	if n, err := strconv.Atoi(get("LOAXA_LOGIN_ADDR_FAILURES")); err != nil || n < 1 || n > 1000 {
		errs = append(errs, fmt.Errorf("LOAXA_LOGIN_ADDR_FAILURES=%q: hãy viết một số từ 1 đến 1000, ví dụ 20", get("LOAXA_LOGIN_ADDR_FAILURES")))
	} else {
		c.AddrFailures = n
	}
	if v := get("LOAXA_TRUST_PROXY"); v != "" {
		ps, err := web.ParseTrustedProxies(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("LOAXA_TRUST_PROXY: %v; hãy viết địa chỉ hoặc CIDR cách nhau bởi dấu phẩy, ví dụ 127.0.0.1, 10.0.0.0/8", err))
		}
		c.TrustProxy = ps
	}
	c.PollInterval = dur("LOAXA_POLL_INTERVAL")
	if v := get("LOAXA_SELF_APPROVE"); v != "0" && v != "1" {
		errs = append(errs, fmt.Errorf("LOAXA_SELF_APPROVE=%q; hãy đặt 1 (cho phép) hoặc 0", v))
	}
	if v := strings.TrimSpace(getenv("ZALO_RATE_PER_MIN")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("ZALO_RATE_PER_MIN=%q không phải số nguyên; hãy đặt như 100", v))
		}
		c.ZaloRatePerMin = n
	}
	if v := get("LOAXA_SEND_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			errs = append(errs, fmt.Errorf("LOAXA_SEND_CONCURRENCY=%q không phải số từ 1 đến 256; hãy đặt như 16, hoặc để trống cho tự tính", v))
		}
		c.SendConc = n
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate checks the values and the rules between them, and fills
// Location and the quiet hours.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DB == "" {
		bad("LOAXA_DB trống; hãy đặt đường dẫn tệp cơ sở dữ liệu, ví dụ loaxa.db")
	}
	loc, err := time.LoadLocation(c.TZ)
	if err != nil || c.TZ == "" || strings.EqualFold(c.TZ, "local") {
		bad("LOAXA_TZ=%q không phải múi giờ; hãy đặt tên IANA như Asia/Ho_Chi_Minh", c.TZ)
	} else {
		c.Location = loc
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("LOAXA_HTTP_ADDR=%q không phải địa chỉ host:port; hãy đặt như 127.0.0.1:8080", c.HTTPAddr)
	}
	quiet, err := schedule.ParseQuietHours(c.QuietHours)
	if err != nil {
		bad("LOAXA_QUIET_HOURS=%q không hợp lệ; hãy viết như 21:00-06:00, hoặc off để tắt", c.QuietHours)
	}
	c.Quiet = quiet.In(c.Location)
	if c.MaxLateness < 0 {
		bad("LOAXA_MAX_LATENESS không được âm")
	}
	if c.PollInterval < 100*time.Millisecond || c.PollInterval > time.Hour {
		bad("LOAXA_POLL_INTERVAL=%s nằm ngoài khoảng 100ms–1h; hãy đặt như 1s", c.PollInterval)
	}
	slotZone := c.Location
	if slotZone == nil {
		slotZone = time.UTC // LOAXA_TZ is refused above; the specs are still checked
	}
	c.Slots = nil
	for _, spec := range c.Bulletin {
		rec, err := notices.ParseRecurrence(spec, slotZone)
		if err != nil {
			bad("LOAXA_BULLETIN: lịch %q không hợp lệ; hãy viết lịch cron 5 trường như \"30 6,17 * * *\", nhiều lịch cách nhau bởi ;", spec)
			continue
		}
		c.Slots = append(c.Slots, rec)
	}
	if c.LogFormat != "json" && c.LogFormat != "console" {
		bad("LOAXA_LOG_FORMAT=%q; hãy đặt json hoặc console", c.LogFormat)
	}
	for name, u := range map[string]string{"ZALO_API_BASE": c.ZaloAPIBase, "ZALO_OAUTH_BASE": c.ZaloOAuthBase} {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			bad("%s=%q không phải địa chỉ http(s)://", name, u)
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		switch {
		case err == nil && u.User != nil:
			// Never repeated: it may hold a password.
			bad("LOAXA_BASE_URL có tên người dùng hoặc mật khẩu (phần «…@» trước tên miền); hãy bỏ phần đó, chỉ để " +
				"địa chỉ như https://loa.xaanphu.gov.vn (nó xuất hiện trong mọi liên kết và gửi cho Zalo)")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
			bad("LOAXA_BASE_URL=%q không phải địa chỉ http(s)://tên-miền[/đường-dẫn]; hãy đặt như https://loa.xaanphu.gov.vn", c.BaseURL)
		}
	}
	if c.SessionIdle < time.Minute || c.SessionIdle > 12*time.Hour {
		bad("LOAXA_SESSION_IDLE=%s nằm ngoài khoảng 1m–12h; hãy đặt như 2h", c.SessionIdle)
	}
	if c.ZaloRatePerMin < 0 {
		bad("ZALO_RATE_PER_MIN không được âm")
	}
	if (c.ZaloAppID == "") != (c.ZaloAppSecret == "") {
		bad("ZALO_APP_ID và ZALO_APP_SECRET phải đặt cùng nhau")
	}
	return errors.Join(errs...)
}

// MarshalZerologObject logs the configuration without its secrets.
func (c Config) MarshalZerologObject(e *zerolog.Event) {
	set := func(s string) bool { return s != "" }
	e.Str("db", c.DB).Str("http_addr", c.HTTPAddr).Str("tz", c.TZ).Str("commune", c.Commune).Str("province", c.Province).
		Str("quiet_hours", c.QuietHours).Dur("max_lateness", c.MaxLateness).Dur("poll_interval", c.PollInterval).Int("send_concurrency", c.SendConc).
		Bool("self_approve", c.SelfApprove).Strs("bulletin", c.Bulletin).Str("log_format", c.LogFormat).
		Str("zalo_app_id", c.ZaloAppID).Bool("zalo_app_secret_set", set(c.ZaloAppSecret)).
		Bool("zalo_refresh_token_set", set(c.ZaloRefreshToken)).Bool("zalo_oa_secret_set", set(c.ZaloOASecret)).
		Str("base_url", c.BaseURL).Int("trusted_proxies", len(c.TrustProxy)).Dur("session_idle", c.SessionIdle).
		Bool("metrics_token_set", set(c.MetricsToken)).
		Str("zalo_api_base", c.ZaloAPIBase).Str("zalo_oauth_base", c.ZaloOAuthBase).Int("zalo_rate_per_min", c.ZaloRatePerMin)
}
