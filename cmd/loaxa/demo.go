package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/zalosim"
)

// demoDB is the database `loaxa demo` creates afresh in the current folder.
const demoDB = "loaxa-demo.db"

// demoHamlets are the sample hamlets, each with a simulated Zalo group.
var demoHamlets = []struct{ code, name, group string }{
	{"khom-1", "Khóm 1", "f414c8f76fa586fbdfb4"},
	{"khom-2", "Khóm 2", "4a9bada229cec09099df"},
	{"khom-3", "Khóm 3", "9c3e1d7a52b04f6e8a11"},
	{"ap-tan-loc", "Ấp Tân Lộc", "6d1f0c2b9e8a47d3a5c2"},
	{"ap-dong-hoa", "Ấp Đông Hòa", "b27e94c0d3f1a8e65c40"},
	{"thon-an-phu", "Thôn An Phú", "0c8d5e2f7a1b9c3d4e6f"},
}

// demoBulletin is the demo's bulletin slots unless LOAXA_BULLETIN says
// otherwise: every five minutes, so that the low notice it seeds shows in a
// bulletin within minutes, not at 06:30 or 17:30. An empty slot sends
// nothing.
const demoBulletin = "*/5 * * * *"

// demoGetenv is the environment the demo runs with: get, with the demo's
// own defaults, and never the real Zalo's settings.
func demoGetenv(get func(string) string) func(string) string {
	return func(k string) string {
		switch k {
		case "LOAXA_LOG_FORMAT":
			return "console"
		case "LOAXA_QUIET_HOURS": // a demo at night should still show messages arriving
			if v := get(k); v != "" {
				return v
			}
			return "off"
		case "LOAXA_BULLETIN":
			if v := get(k); v != "" {
				return v
			}
			return demoBulletin
		case "LOAXA_COMMUNE":
			if v := get(k); v != "" {
				return v
			}
			return "UBND xã Loa Xã (chạy thử)"
		}
		if strings.HasPrefix(k, "ZALO_") {
			return "" // the demo never talks to the real Zalo
		}
		return get(k)
	}
}

// demoCmd is `loaxa demo`: the whole system on this machine against the
// built-in simulator of the Zalo API, with no configuration.
func demoCmd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa demo", "[--province] [--addr HOST:PORT] [--sim-addr HOST:PORT] [--db TỆP]",
		"Chạy thử toàn bộ hệ thống trên máy này, không cần tài khoản Zalo: tạo mới cơ sở dữ liệu\n"+
			demoDB+" (hoặc tệp --db) với "+strconv.Itoa(len(demoHamlets))+" thôn/ấp và tài khoản cán bộ, chạy trình giả lập Zalo OA, tiến trình gửi tin\n"+
			"và trang quản trị; gửi ngay một thông báo chào mừng, hẹn một thông báo vài phút sau và\n"+
			"một thông báo lặp lại. Với --province: "+demoProvinceSize()+", mỗi xã một OA giả lập riêng,\n"+
			"một cảnh báo cấp tỉnh và một thông báo của mỗi xã. Ctrl-C để dừng.",
		"LOAXA_HTTP_ADDR", "LOAXA_TZ", "LOAXA_COMMUNE", "LOAXA_PROVINCE", "LOAXA_QUIET_HOURS", "LOAXA_BULLETIN")
	addr := f.String("addr", "", "địa chỉ trang quản trị (mặc định LOAXA_HTTP_ADDR, hoặc một cổng trống nếu đang bận)")
	simAddr := f.String("sim-addr", "127.0.0.1:0", "địa chỉ trình giả lập Zalo")
	province := f.Bool("province", false, "chạy thử cả tỉnh: 3 xã, mỗi xã vài thôn/ấp trên OA giả lập riêng, và một thông báo cấp tỉnh")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	getenv := demoGetenv(e.getenv)
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	cfg.DB = e.db
	if e.getenv("LOAXA_DB") == "" && !e.dbFlag && !f.given("db") {
		cfg.DB = demoDB
	}
	// Before anything, and before the demo database is made afresh: a
	// second demo must not delete the first one's database.
	guard, err := guardInstance(cfg, "demo")
	if err != nil {
		return err
	}
	defer guard.Close()
	log := newLogger("console", e.stderr)
	log.Info().Str("version", currentBuild().String()).Msg("starting the loaxa demo")

	// The simulator, with one group per demo hamlet.
	var groups []zalosim.Group
	for _, h := range demoHamlets {
		groups = append(groups, zalosim.Group{ID: h.group, Name: "Zalo " + h.name, Members: 40 + 7*len(groups)})
	}
	simCfg := zalosim.Config{OAName: cfg.Commune, Groups: groups}
	if *province {
		simCfg = zalosim.Config{OAs: demoProvinceOAs()}
		if cfg.Province == "" {
			cfg.Province = "UBND tỉnh An Giang (chạy thử)"
		}
	}
	sim := zalosim.New(simCfg, log.With().Str("component", "zalosim").Logger())
	defer sim.Close()
	simLn, err := net.Listen("tcp", *simAddr)
	if err != nil {
		return fmt.Errorf("listen on %s for the simulator: %w", *simAddr, err)
	}
	simDone := make(chan error, 1)
	simCtx, stopSim := context.WithCancel(context.WithoutCancel(ctx))
	defer func() { stopSim(); <-simDone }()
	go func() { simDone <- sim.Serve(simCtx, simLn) }()
	simURL := "http://" + simLn.Addr().String()
	creds := sim.Credentials()
	cfg.ZaloAPIBase, cfg.ZaloOAuthBase = simURL, simURL
	cfg.ZaloAppID, cfg.ZaloAppSecret, cfg.ZaloRefreshToken = creds.AppID, creds.AppSecret, creds.RefreshToken
	cfg.ZaloOASecret = sim.OASecret() // the simulator's webhooks reach the demo site, signed

	// A fresh demo database.
	if cfg.DB == demoDB {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(demoDB + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove the previous demo database: %w", err)
			}
		}
	}
	if *province {
		cfg.ZaloRefreshToken = "" // each commune's OA has its own pair (seedProvince)
		if err := seedProvince(ctx, cfg, sim); err != nil {
			return err
		}
	}
	d, err := openDaemon(ctx, cfg, log)
	if err != nil {
		return err
	}
	var password string
	if *province {
		password, err = seedDemoUsers(ctx, d.store, notices.Province)
		if err == nil {
			err = seedProvinceNotices(ctx, d.store)
		}
	} else {
		password, err = seedDemo(ctx, d.store, cfg.Location)
	}
	if err != nil {
		d.close()
		return err
	}
	cfg.SelfApprove = true // one person runs the whole demo
	site, err := newSite(cfg, d, log)
	if err != nil {
		d.close()
		return err
	}
	listen := cfg.HTTPAddr
	if *addr != "" {
		listen = *addr
	}
	if err := d.start(ctx, listen, d.opsMux(site)); err != nil {
		if *addr != "" {
			d.close()
			return err
		}
		// The default port is busy: any free one will do for a demo.
		if err := d.start(ctx, "127.0.0.1:0", d.opsMux(site)); err != nil {
			d.close()
			return err
		}
	}
	sim.SetWebhook(d.url()+"/zalo/webhook", cfg.ZaloOASecret)
	list := "notice list"
	if *province {
		list = "notice list --province" // with several communes, plain `notice list` is a usage error
	}
	printDemoBanner(e.stdout, simURL, d.url(), cfg.DB, password, list)
	if *province {
		fmt.Fprintf(e.stdout, "\n  Cả tỉnh: 3 xã (xa-an-phu, xa-phu-hoa, phuong-my-binh), mỗi xã gửi qua OA giả lập riêng;\n"+
			"  đã gửi ngay một cảnh báo cấp tỉnh tới mọi thôn/ấp và một thông báo của mỗi xã tới các thôn/ấp của xã đó.\n"+
			"  Tài khoản cán bộ là cấp tỉnh. Ctrl-C để dừng.\n\n")
	} else {
		printDemoNotices(e.stdout)
	}
	select {
	case <-ctx.Done():
	case err := <-d.served:
		d.served <- err
	}
	log.Info().Msg("stopping the demo")
	return d.stop()
}

// seedDemoUsers adds the demo's staff accounts, of commune (empty: the
// only one; notices.Province: the province's), and returns their password.
func seedDemoUsers(ctx context.Context, s *notices.Store, commune string) (string, error) {
	password := "loaxa-" + strings.ToLower(rand.Text()[:10])
	for _, u := range []notices.User{
		{Username: "canbo", DisplayName: "Cán bộ văn phòng", Role: notices.RoleAdmin},
		{Username: "bientap", DisplayName: "Cán bộ biên tập", Role: notices.RoleEditor},
		{Username: "lanhdao", DisplayName: "Lãnh đạo UBND", Role: notices.RoleApprover},
	} {
		u.Commune = commune
		if err := s.CreateUser(ctx, "demo", &u, password); err != nil {
			return "", fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	return password, nil
}

// seedDemo fills a fresh demo database: hamlets, staff, a welcome notice
// sent at once, a one-off a few minutes ahead, a recurring one and a low
// one for the next bulletin. It returns the staff password.
func seedDemo(ctx context.Context, s *notices.Store, loc *time.Location) (string, error) {
	for _, h := range demoHamlets {
		if err := s.CreateHamlet(ctx, "demo", &notices.Hamlet{Code: h.code, Name: h.name, GroupID: h.group, Active: true}); err != nil {
			return "", fmt.Errorf("demo hamlet %s: %w", h.code, err)
		}
	}
	password, err := seedDemoUsers(ctx, s, "")
	if err != nil {
		return "", err
	}
	now := time.Now().In(loc)
	soon := now.Add(3 * time.Minute).Truncate(time.Minute)
	for _, n := range []notices.Notice{
		{Title: "Chào mừng bà con đến với loa xã trên Zalo", Body: "Từ nay, các thông báo của UBND xã sẽ được gửi " +
			"đồng thời tới nhóm Zalo của từng khóm, ấp, thôn.\n\nBà con theo dõi nhóm để nhận tin kịp thời. " +
			"Ai không dùng Zalo có thể xem trên trang thông báo công khai của xã.", Category: "chung"},
		{Title: "Lịch tiêm chủng mở rộng tháng này", Body: "Trạm y tế xã tổ chức tiêm chủng cho trẻ dưới 5 tuổi " +
			"vào sáng thứ Bảy, từ 7 giờ 30 đến 11 giờ. Phụ huynh mang theo sổ tiêm chủng.",
			Category: "y-te", PublishAt: soon.UTC(), Targets: []string{"khom-1", "khom-2", "ap-tan-loc"}},
		{Title: "Nhắc giờ thu gom rác", Body: "Xe thu gom rác đi qua các tuyến đường chính. Bà con để rác " +
			"đúng nơi quy định, buộc kín túi.", Category: "moi-truong", Recurrence: "*/5 * * * *"},
		{Title: "Câu lạc bộ dưỡng sinh tuyển thành viên", Body: "Câu lạc bộ dưỡng sinh người cao tuổi sinh hoạt " +
			"lúc 5 giờ sáng hằng ngày tại nhà văn hóa xã.", Category: "van-hoa", Priority: notices.Low},
	} {
		n.Status, n.Source, n.Author = notices.StatusApproved, notices.SourceCLI, "canbo"
		if n.Priority == "" {
			n.Priority = notices.Normal
		}
		if err := s.CreateNotice(ctx, &n); err != nil {
			return "", fmt.Errorf("demo notice %q: %w", n.Title, err)
		}
	}
	return password, nil
}

// printDemoBanner says where the demo runs; list is the notice list
// command to try on its database.
func printDemoBanner(w io.Writer, simURL, siteURL, db, password, list string) {
	fmt.Fprintf(w, "\n  loaxa đang chạy thử với trình giả lập Zalo OA (không gửi gì ra ngoài).\n\n")
	fmt.Fprintf(w, "  Nhóm Zalo như bà con thấy:  %s/\n", simURL)
	fmt.Fprintf(w, "  Trang quản trị:             %s/\n", siteURL)
	fmt.Fprintf(w, "  Thông báo công khai:        %s/public\n", siteURL)
	fmt.Fprintf(w, "  Tình trạng (healthz):       %s/healthz\n", siteURL)
	fmt.Fprintf(w, "  Số liệu (metrics):          %s/metrics\n", siteURL)
	fmt.Fprintf(w, "\n  Đăng nhập: canbo (quản trị), bientap (biên tập), lanhdao (duyệt) — mật khẩu: %s\n", password)
	fmt.Fprintf(w, "  Cơ sở dữ liệu: %s — thử: go run ./cmd/loaxa --db %s %s\n", db, db, list)
}

// printDemoNotices tells what the (single-commune) demo has sent.
func printDemoNotices(w io.Writer) {
	fmt.Fprintf(w, "\n  Đã gửi ngay một thông báo chào mừng; một thông báo hẹn 3 phút nữa; một thông báo lặp\n")
	fmt.Fprintf(w, "  mỗi 5 phút; một tin ít quan trọng chờ bản tin kế tiếp (bản tin chạy thử: 5 phút một lần,\n")
	fmt.Fprintf(w, "  LOAXA_BULLETIN để đổi). Ctrl-C để dừng.\n\n")
}

// given reports whether the flag was set on the command line.
func (f *flags) given(name string) bool {
	found := false
	f.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}
