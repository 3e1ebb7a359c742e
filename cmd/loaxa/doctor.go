package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// `loaxa doctor` looks at everything a running loaxa depends on and says,
// in plain Vietnamese, what is wrong and how to fix it. It changes nothing:
// the database is opened only to read it (and not at all when its schema
// is not this binary's), and the one write it may cause is refreshing an
// access token that has already expired, committed before use as always.

// Check outcomes.
const (
	checkOK   = "ok"
	checkWarn = "warn" // works, but needs attention; does not fail the exit status
	checkFail = "fail" // broken: exit status 1
	checkSkip = "skip" // could not be checked because an earlier check failed
)

// check is one line of the report.
type check struct {
	Area    string `json:"area"`              // config, database, clock, zalo, webhook, service
	Name    string `json:"name"`              // stable identifier, e.g. "database.integrity"
	Status  string `json:"status"`            // ok, warn, fail, skip
	Commune string `json:"commune,omitempty"` // with several communes, the commune whose OA a Zalo check is about
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// doctorReport is what --json prints.
type doctorReport struct {
	OK       bool    `json:"ok"`
	Version  string  `json:"version"`
	Database string  `json:"database"`
	Checks   []check `json:"checks"`
}

// doctor runs the checks. Its fields are what the checks share.
type doctor struct {
	e       *env
	cfg     Config
	cfgOK   bool
	baseOK  bool             // LOAXA_BASE_URL is set and well formed
	now     func() time.Time // the local clock, injectable to test the skew check
	http    *http.Client     // for the service, the webhook and the clock
	timeout time.Duration    // bounds the Zalo checks of each OA
	commune string           // --commune: check only this commune's OA
	checks  []check

	store  *notices.Store // open when the database can be read as is
	client *bot.Client
}

var areaTitles = map[string]string{
	"config":   "Cấu hình",
	"database": "Cơ sở dữ liệu",
	"clock":    "Đồng hồ và múi giờ",
	"zalo":     "Zalo",
	"webhook":  "Địa chỉ công khai và webhook",
	"service":  "Dịch vụ đang chạy",
}

var statusLabels = map[string]string{
	checkOK: "[ OK ]", checkWarn: "[CHÚ Ý]", checkFail: "[ LỖI ]", checkSkip: "[BỎ QUA]",
}

func (d *doctor) add(area, name, status, msg, fix string) {
	d.checks = append(d.checks, check{Area: area, Name: name, Status: status, Message: msg, Fix: fix})
}

// doctorCmd is `loaxa doctor [--json] [--timeout D]`.
func doctorCmd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa doctor", "[--json] [--timeout THỜI_LƯỢNG] [--commune MÃ]",
		"Kiểm tra một lượt những gì loaxa cần: cấu hình (mọi biến, các khóa bí mật, LOAXA_BASE_URL với proxy),\n"+
			"cơ sở dữ liệu (đường dẫn, quyền, tính toàn vẹn, phiên bản lược đồ, chỗ trống trên đĩa), đồng hồ và\n"+
			"múi giờ, Zalo (hạn token, một lần gọi thật, giới hạn tốc độ, nhóm của từng thôn/ấp, gói GMF sắp hết\n"+
			"hạn), webhook và địa chỉ công khai, và dịch vụ đang chạy (/healthz). Mỗi lỗi kèm cách sửa.\n"+
			"Khi phục vụ nhiều xã: kiểm OA của từng xã đang bật bằng cặp token của xã đó (một xã lỗi không dừng\n"+
			"việc kiểm các xã khác), và liệt kê các xã đã tắt; --commune MÃ chỉ kiểm một xã.\n"+
			"Không thay đổi gì (trừ khi access token Zalo đã hết hạn: khi đó nó làm mới token như dịch vụ vẫn làm).\n"+
			"Mã thoát 0 khi không có lỗi (cảnh báo không tính), 1 khi có lỗi.\n"+
			"Chạy bằng tài khoản của dịch vụ, với cùng biến môi trường:\n"+
			"  sudo -u loaxa sh -c 'set -a; . /etc/loaxa/loaxa.env; loaxa doctor'",
		allEnv()...)
	asJSON := f.Bool("json", false, "in kết quả dạng JSON (cho script)")
	timeout := f.Duration("timeout", 2*time.Minute, "thời gian tối đa cho các lần gọi Zalo (của mỗi xã, khi có nhiều xã)")
	commune := f.String("commune", "", "chỉ kiểm OA của xã này (loaxa commune list)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if *timeout <= 0 {
		return usagef("loaxa doctor: --timeout %s không hợp lệ; hãy cho một thời lượng dương, ví dụ 2m", *timeout)
	}
	d := &doctor{e: e, now: time.Now, http: &http.Client{Timeout: 10 * time.Second}, timeout: *timeout,
		commune: strings.TrimSpace(*commune)}
	rep := d.run(ctx)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		d.print(e.stdout, rep)
	}
	if !rep.OK {
		return errDoctorFound
	}
	return nil
}

// errDoctorFound is doctor's exit status 1; the report said it all.
var errDoctorFound = errors.New("doctor: có lỗi (xem báo cáo ở trên)")

// run does every check, in order, and closes what it opened.
func (d *doctor) run(ctx context.Context) doctorReport {
	d.checkConfig()
	d.checkDatabase(ctx)
	d.checkClockZone()
	d.checkSkew(ctx)
	d.checkZalo(ctx)
	d.checkWebhook(ctx)
	d.checkService(ctx)
	if d.store != nil {
		d.store.Close()
	}
	rep := doctorReport{OK: true, Version: currentBuild().String(), Database: d.e.db, Checks: d.checks}
	for _, c := range d.checks {
		if c.Status == checkFail {
			rep.OK = false
		}
	}
	return rep
}

// print writes the report for a person, grouped by area.
func (d *doctor) print(w io.Writer, rep doctorReport) {
	fmt.Fprintf(w, "loaxa doctor — loaxa %s, cơ sở dữ liệu %s\n", rep.Version, rep.Database)
	area := ""
	fails, warns := 0, 0
	for _, c := range rep.Checks {
		if c.Area != area {
			area = c.Area
			fmt.Fprintf(w, "\n%s\n", areaTitles[area])
		}
		fmt.Fprintf(w, "  %-8s %s\n", statusLabels[c.Status], c.Message)
		if c.Fix != "" && c.Status != checkOK {
			fmt.Fprintf(w, "           → %s\n", c.Fix)
		}
		switch c.Status {
		case checkFail:
			fails++
		case checkWarn:
			warns++
		}
	}
	switch {
	case fails == 0 && warns == 0:
		fmt.Fprintf(w, "\nKết quả: mọi thứ đều tốt.\n")
	case fails == 0:
		fmt.Fprintf(w, "\nKết quả: không có lỗi, %d điều cần chú ý.\n", warns)
	default:
		fmt.Fprintf(w, "\nKết quả: %d lỗi, %d điều cần chú ý. Sửa theo chỉ dẫn → rồi chạy lại loaxa doctor.\n", fails, warns)
	}
}

// get fetches url with the doctor's client; the body is read up to 64 KiB.
func (d *doctor) get(ctx context.Context, method, url string, body io.Reader) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "loaxa-doctor/"+currentBuild().Version)
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp, b, err
}

// shortErr is a network error for a person: without the method and URL
// that the message already names.
func shortErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
