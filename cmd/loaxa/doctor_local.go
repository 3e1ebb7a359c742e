package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// The checks that need no network: configuration, database, clock zone.

const (
	diskFail = 100 << 20 // below this free space the database soon stops taking writes
	diskWarn = 1 << 30
)

func (d *doctor) checkConfig() {
	getenv := d.e.getenv
	cfg, err := loadConfig(getenv)
	cfg.DB = d.e.db
	d.cfg = cfg
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			d.add("config", "config.parse", checkFail, line,
				"sửa biến này trong /etc/loaxa/loaxa.env (mỗi biến có chú thích ở đó), rồi chạy lại")
		}
	} else {
		d.cfgOK = true
		set := 0
		for _, v := range envVars {
			if strings.TrimSpace(getenv(v.Name)) != "" || strings.TrimSpace(getenv(v.Name+"_FILE")) != "" {
				set++
			}
		}
		d.add("config", "config.parse", checkOK,
			fmt.Sprintf("mọi biến môi trường đọc được (%d biến được đặt, còn lại dùng mặc định)", set), "")
	}

	if cfg.ZaloAppID == "" || cfg.ZaloAppSecret == "" {
		d.add("config", "config.zalo_app", checkFail, "ZALO_APP_ID và ZALO_APP_SECRET chưa đặt: loaxa không gọi được Zalo",
			"lấy ID ứng dụng và khóa bí mật ở developers.zalo.me → ứng dụng của OA → Thiết lập; đặt ZALO_APP_ID và "+
				"ZALO_APP_SECRET (hoặc ZALO_APP_SECRET_FILE) trong /etc/loaxa/loaxa.env (docs/GOING-LIVE.md, bước 2)")
	} else {
		d.add("config", "config.zalo_app", checkOK, "ZALO_APP_ID và ZALO_APP_SECRET đã đặt", "")
	}
	if cfg.ZaloOASecret == "" {
		d.add("config", "config.oa_secret", checkWarn, "ZALO_OA_SECRET chưa đặt: không kiểm được chữ ký sự kiện webhook của Zalo",
			"chép khóa bí mật của OA (OA Secret Key, khác khóa ứng dụng) ở developers.zalo.me → Webhook vào ZALO_OA_SECRET")
	} else {
		d.add("config", "config.oa_secret", checkOK, "ZALO_OA_SECRET đã đặt (kiểm chữ ký webhook)", "")
	}
	if u, err := url.Parse(cfg.ZaloAPIBase); err == nil && u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		d.add("config", "config.zalo_api", checkWarn,
			fmt.Sprintf("ZALO_API_BASE=%s dùng http thường: access token đi qua mạng không mã hóa", cfg.ZaloAPIBase),
			"bỏ ZALO_API_BASE (mặc định https://openapi.zalo.me) khi chạy thật")
	}
	d.checkBaseURL(getenv)
}

// checkBaseURL compares LOAXA_BASE_URL, LOAXA_TRUST_PROXY and
// LOAXA_HTTP_ADDR: the site behind a TLS proxy should listen on loopback
// (or a private address), believe that proxy, and be known by its https
// address.
func (d *doctor) checkBaseURL(getenv func(string) string) {
	base := strings.TrimSpace(getenv("LOAXA_BASE_URL"))
	trust := strings.TrimSpace(getenv("LOAXA_TRUST_PROXY"))
	host, _, _ := net.SplitHostPort(d.cfg.HTTPAddr)
	local := isLoopbackHost(host)
	if base == "" {
		if local {
			d.add("config", "config.base_url", checkWarn,
				"LOAXA_BASE_URL chưa đặt: trang quản trị chỉ mở được trên chính máy này, Zalo không gọi được callback và webhook",
				"đặt proxy TLS (Caddy, nginx) trước loaxa và LOAXA_BASE_URL=https://tên-miền-của-xã (docs/GOING-LIVE.md, bước 5)")
		} else {
			d.add("config", "config.base_url", checkWarn,
				fmt.Sprintf("trang quản trị nghe trên %s bằng HTTP thường, không TLS, và LOAXA_BASE_URL chưa đặt", d.cfg.HTTPAddr),
				"cho loaxa nghe trên 127.0.0.1:8080, đặt proxy TLS phía trước, và đặt LOAXA_BASE_URL, LOAXA_TRUST_PROXY")
		}
		return
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		d.add("config", "config.base_url", checkFail,
			fmt.Sprintf("LOAXA_BASE_URL=%q không phải địa chỉ gốc http(s)://tên-miền", base),
			"viết như https://loa.xaanphu.gov.vn, không có đường dẫn phía sau")
		return
	}
	d.baseOK = true
	switch {
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		d.add("config", "config.base_url", checkWarn,
			fmt.Sprintf("LOAXA_BASE_URL=%s dùng http: mật khẩu và cookie đi qua mạng không mã hóa; Zalo đòi https cho webhook", base),
			"đặt chứng chỉ TLS ở proxy (Caddy tự lấy chứng chỉ) và đổi LOAXA_BASE_URL sang https://")
	case !local && trust == "":
		d.add("config", "config.base_url", checkWarn,
			fmt.Sprintf("loaxa nghe trên %s, không chỉ trên máy này: có thể vào thẳng, vòng qua proxy TLS", d.cfg.HTTPAddr),
			"đặt LOAXA_HTTP_ADDR=127.0.0.1:8080 khi proxy ở cùng máy; nếu proxy ở máy khác, đặt LOAXA_TRUST_PROXY "+
				"là địa chỉ của proxy và chặn cổng này bằng tường lửa")
	case trust == "":
		d.add("config", "config.base_url", checkWarn,
			"LOAXA_BASE_URL đã đặt nhưng LOAXA_TRUST_PROXY trống: mọi yêu cầu đều như đến từ proxy, nên việc chặn đăng nhập sai "+
				"theo địa chỉ sẽ chặn tất cả mọi người cùng lúc",
			"đặt LOAXA_TRUST_PROXY=127.0.0.1 (proxy cùng máy) hoặc địa chỉ của proxy")
	default:
		d.add("config", "config.base_url", checkOK,
			fmt.Sprintf("LOAXA_BASE_URL=%s, proxy tin cậy %s, loaxa nghe trên %s", base, trust, d.cfg.HTTPAddr), "")
	}
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func (d *doctor) checkDatabase(ctx context.Context) {
	path := d.e.db
	abs, _ := filepath.Abs(path)
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		d.add("database", "database.path", checkFail, fmt.Sprintf("chưa có cơ sở dữ liệu %s", abs),
			"kiểm tra --db / LOAXA_DB; nếu đây là lần cài đầu, tạo nó bằng: loaxa db migrate --db "+path+
				" (dịch vụ cũng tự tạo khi khởi động)")
		d.skipDatabase()
		return
	}
	if err != nil {
		d.add("database", "database.path", checkFail, fmt.Sprintf("không đọc được %s: %v", abs, err),
			"kiểm tra quyền của thư mục chứa cơ sở dữ liệu")
		d.skipDatabase()
		return
	}
	owner := ownerName(fi)
	d.add("database", "database.path", checkOK,
		fmt.Sprintf("%s (%s, chủ sở hữu %s, quyền %04o)", abs, sizeText(fi.Size()), owner, fi.Mode().Perm()), "")
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 && st.Uid != 0 {
		d.add("database", "database.user", checkWarn,
			fmt.Sprintf("loaxa doctor đang chạy bằng root, còn cơ sở dữ liệu thuộc %s: quyền được kiểm không phải của dịch vụ", owner),
			"chạy bằng tài khoản của dịch vụ: sudo -u "+owner+" sh -c 'set -a; . /etc/loaxa/loaxa.env; loaxa doctor'")
	}
	switch {
	case fi.Mode().Perm()&0o077 != 0:
		d.add("database", "database.permissions", checkWarn,
			fmt.Sprintf("tệp có quyền %04o: người dùng khác trên máy đọc được token Zalo và mật khẩu đã băm", fi.Mode().Perm()),
			"chmod 600 "+abs)
	case syscall.Access(path, 0o6) != nil: // read and write
		d.add("database", "database.permissions", checkFail,
			fmt.Sprintf("người dùng hiện tại không đọc-ghi được tệp (chủ sở hữu %s)", owner),
			"chạy loaxa doctor bằng tài khoản của dịch vụ (sudo -u loaxa …), hoặc chown loaxa:loaxa "+abs)
	case syscall.Access(filepath.Dir(abs), 0o3) != nil: // write and search: the -wal and -shm files
		d.add("database", "database.permissions", checkFail,
			fmt.Sprintf("không ghi được vào thư mục %s: SQLite cần tạo tệp -wal và -shm bên cạnh", filepath.Dir(abs)),
			"cho tài khoản của dịch vụ quyền ghi thư mục đó")
	default:
		d.add("database", "database.permissions", checkOK, "quyền tệp và thư mục đúng (chỉ chủ sở hữu đọc được)", "")
	}
	d.checkDisk(filepath.Dir(abs))

	// A plain connection that creates nothing (mode=rw) and migrates
	// nothing: integrity and schema version are read as they are.
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=rw&_busy_timeout=5000")
	if err == nil {
		defer db.Close()
		err = db.PingContext(ctx)
	}
	var result string
	if err == nil {
		err = db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result)
	}
	switch {
	case err != nil:
		d.add("database", "database.integrity", checkFail,
			fmt.Sprintf("không đọc được cơ sở dữ liệu: %v", err),
			"nếu tệp hỏng: dừng loaxa, khôi phục bản sao lưu gần nhất ở /var/backups/loaxa (docs/GOING-LIVE.md, bước 11)")
		d.skipDatabase()
		return
	case result != "ok":
		d.add("database", "database.integrity", checkFail, "kiểm tra toàn vẹn báo hỏng: "+oneLine(result),
			"dừng loaxa và khôi phục bản sao lưu gần nhất ở /var/backups/loaxa (docs/GOING-LIVE.md, bước 11)")
		d.skipDatabase()
		return
	}
	d.add("database", "database.integrity", checkOK, "kiểm tra toàn vẹn (PRAGMA integrity_check): ok", "")

	var v int
	err = db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	known := notices.LatestSchema()
	switch {
	case err != nil:
		d.add("database", "database.schema", checkFail, "không có bảng schema_migrations: đây không phải cơ sở dữ liệu của loaxa",
			"kiểm tra --db / LOAXA_DB; một tệp mới thì tạo lược đồ bằng loaxa db migrate")
		d.skipDatabase()
		return
	case v > known:
		d.add("database", "database.schema", checkFail,
			fmt.Sprintf("lược đồ ở phiên bản %d, mới hơn bản loaxa này (biết đến %d)", v, known),
			"cài bản loaxa mới hơn (đúng bản đã ghi cơ sở dữ liệu này)")
		d.skipDatabase()
		return
	case v < known:
		d.add("database", "database.schema", checkWarn,
			fmt.Sprintf("lược đồ ở phiên bản %d, bản loaxa này cần %d", v, known),
			"khởi động lại dịch vụ (nó tự nâng cấp), hoặc chạy loaxa db migrate; rồi chạy lại loaxa doctor")
		d.skipDatabase()
		return
	}
	d.add("database", "database.schema", checkOK, fmt.Sprintf("lược đồ ở phiên bản %d, đúng bản loaxa này", v), "")
	// The single-instance guard: which daemon, if any, holds <db>.lock.
	switch holder, held, err := notices.InstanceLockHolder(path); {
	case err != nil:
		d.add("database", "database.instance", checkWarn, fmt.Sprintf("không đọc được khóa %s: %v", notices.InstanceLockPath(path), err),
			"kiểm tra quyền của thư mục chứa cơ sở dữ liệu")
	case held:
		d.add("database", "database.instance", checkOK,
			fmt.Sprintf("loaxa %s đang chạy với cơ sở dữ liệu này: pid %d trên máy %s, từ %s (khóa %s)",
				holder.Command, holder.PID, holder.Host, d.local(holder.Since), notices.InstanceLockPath(path)), "")
	default:
		d.add("database", "database.instance", checkWarn, "không có tiến trình loaxa serve/demo nào đang chạy với cơ sở dữ liệu này",
			"khởi động dịch vụ: systemctl start loaxa (hoặc loaxa serve)")
	}

	if d.cfg.Location == nil {
		return
	}
	s, err := openStore(ctx, path, notices.Options{Location: d.cfg.Location, Logger: zerolog.Nop()})
	if err != nil {
		d.add("database", "database.open", checkFail, err.Error(), "xem lỗi ở trên; kiểm tra quyền ghi")
		return
	}
	d.store = s
	hs, err := s.Hamlets(ctx)
	if err != nil {
		d.add("database", "database.hamlets", checkFail, fmt.Sprintf("không đọc được danh sách thôn/ấp: %v", err), "")
		return
	}
	active := 0
	for _, h := range hs {
		if h.Active {
			active++
		}
	}
	if active == 0 {
		d.add("database", "database.hamlets", checkWarn, "chưa có thôn/ấp nào đang bật: thông báo không gửi đến đâu cả",
			"thêm thôn/ấp: loaxa hamlet sync (từ các nhóm của OA) hoặc loaxa hamlet import thon.csv (docs/GOING-LIVE.md, bước 7)")
	} else {
		d.add("database", "database.hamlets", checkOK, fmt.Sprintf("%d thôn/ấp đang bật (trong %d)", active, len(hs)), "")
	}
}

func (d *doctor) skipDatabase() {
	d.add("database", "database.rest", checkSkip, "các kiểm tra cần đến cơ sở dữ liệu được bỏ qua", "sửa lỗi ở trên trước")
}

func (d *doctor) checkDisk(dir string) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		d.add("database", "database.disk", checkWarn, fmt.Sprintf("không đo được chỗ trống của %s: %v", dir, err), "")
		return
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	total := int64(st.Blocks) * int64(st.Bsize)
	msg := fmt.Sprintf("còn trống %s trên %s ở %s", sizeText(free), sizeText(total), dir)
	switch {
	case free < diskFail:
		d.add("database", "database.disk", checkFail, msg+": cơ sở dữ liệu sắp không ghi được",
			"giải phóng chỗ trống (nhật ký cũ: journalctl --vacuum-size=200M; bản sao lưu cũ ở /var/backups/loaxa)")
	case free < diskWarn:
		d.add("database", "database.disk", checkWarn, msg+": còn ít", "giải phóng chỗ trống hoặc mở rộng ổ đĩa")
	default:
		d.add("database", "database.disk", checkOK, msg, "")
	}
}

func ownerName(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "?"
	}
	uid := strconv.FormatUint(uint64(st.Uid), 10)
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return "uid " + uid
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// checkClockZone reports the commune's zone. The clock itself is compared
// with Zalo's in checkZalo.
func (d *doctor) checkClockZone() {
	loc := d.cfg.Location
	if loc == nil {
		d.add("clock", "clock.zone", checkFail, fmt.Sprintf("LOAXA_TZ=%q không dùng được", d.cfg.TZ),
			"đặt LOAXA_TZ=Asia/Ho_Chi_Minh (hoặc bỏ trống để dùng mặc định)")
		return
	}
	now := d.now().In(loc)
	_, off := now.Zone()
	machine, moff := d.now().Zone()
	msg := fmt.Sprintf("giờ của xã %s (%s, UTC%+d); múi giờ của máy là %s (UTC%+d), không ảnh hưởng loaxa",
		now.Format("15:04 02/01/2006"), loc, off/3600, machine, moff/3600)
	if off != 7*3600 {
		d.add("clock", "clock.zone", checkWarn, msg+": không phải giờ Việt Nam",
			"đặt LOAXA_TZ=Asia/Ho_Chi_Minh")
		return
	}
	d.add("clock", "clock.zone", checkOK, msg, "")
}
