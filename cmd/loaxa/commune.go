package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

var communeFlagsOf = map[string]string{"code": "--code", "name": "--name", "rate_per_min": "--rate-per-min", "commune": ""}

// scope is a command's --commune C (and, where it applies, --province).
type scope struct {
	f        *flags
	commune  *string
	province *bool // nil when the command has no --province
	skip     bool  // set before open: the prelude does not resolve it
}

// communeScope adds --commune to f, and --province when province is true.
func communeScope(f *flags, province bool) *scope {
	sc := &scope{f: f}
	sc.commune = f.String("commune", "", "mã xã (loaxa commune list); chỉ cần khi cơ sở dữ liệu phục vụ nhiều xã")
	if province {
		sc.province = f.Bool("province", false, "cấp tỉnh: không thuộc xã nào (thay cho --commune)")
	}
	f.scope = sc
	return sc
}

// given reports whether --commune or --province was given.
func (sc *scope) given() bool {
	return strings.TrimSpace(*sc.commune) != "" || sc.province != nil && *sc.province
}

// resolve returns the commune chosen, or nil for --province. Without
// either flag it is the only commune; with several communes that is a
// usage error naming them.
func (sc *scope) resolve(ctx context.Context, s *notices.Store) (*notices.Commune, error) {
	code := strings.TrimSpace(*sc.commune)
	if sc.province != nil && *sc.province {
		if code != "" {
			return nil, usagef("%s: chọn --commune hoặc --province, không cả hai", sc.f.name)
		}
		return nil, nil
	}
	c, err := s.ResolveCommune(ctx, code)
	var req *notices.CommuneRequiredError
	if errors.As(err, &req) {
		also := ""
		if sc.province != nil {
			also = ", hoặc --province cho cấp tỉnh"
		}
		return nil, usagef("%s: cơ sở dữ liệu phục vụ %d xã (%s); hãy chọn xã bằng --commune MÃ%s",
			sc.f.name, len(req.Codes), strings.Join(req.Codes, ", "), also)
	}
	if err != nil {
		return nil, explain(err, map[string]string{"commune": "--commune"})
	}
	return c, nil
}

// code is the chosen commune's code, or notices.Province for nil.
func scopeCode(c *notices.Commune) string {
	if c == nil {
		return notices.Province
	}
	return c.Code
}

// communeLabel names commune c for staff, the one way every command
// does: its name with its code, «UBND xã An Phú (xa-an-phu)»; nil is the
// province.
func communeLabel(c *notices.Commune) string {
	if c == nil {
		return "cấp tỉnh"
	}
	return c.Name + " (" + c.Code + ")"
}

// scopeLabel is communeLabel of the commune with code (notices.Province:
// the province), read from s; a code s does not know is said as it is.
func scopeLabel(ctx context.Context, s *notices.Store, code string) string {
	if code == notices.Province {
		return communeLabel(nil)
	}
	c, err := s.CommuneByCode(ctx, code)
	if err != nil {
		return "xã " + code
	}
	return communeLabel(c)
}

// scopeOf is scopeLabel when s serves several communes, for a message
// that says whose a thing is; "" with one commune, whose messages stay as
// they were.
func scopeOf(ctx context.Context, s *notices.Store, code string) string {
	if cs, err := s.Communes(ctx); err != nil || len(cs) <= 1 {
		return ""
	}
	return scopeLabel(ctx, s, code)
}

func communeAdd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa commune add", "--code MÃ --name TÊN [--rate-per-min N]",
		"Thêm một xã/phường vào cơ sở dữ liệu (chế độ cả tỉnh). Mã là chữ thường không dấu, ví dụ xa-an-phu;\n"+
			"chương trình khác ghi nó vào notices.commune, nên hãy chọn mã lâu dài. Tên ký cuối mỗi tin của xã.\n"+
			"Khi có từ hai xã, các lệnh hamlet, notice, user và zalo cần --commune MÃ.")
	code := f.String("code", "", "mã xã, ví dụ xa-an-phu")
	name := f.String("name", "", "tên ký cuối mỗi tin, ví dụ \"UBND xã An Phú\"")
	rate := f.Int("rate-per-min", 0, "giới hạn yêu cầu mỗi phút của gói OA của xã (0: chỉ giới hạn chung ZALO_RATE_PER_MIN)")
	o, err := f.prelude(ctx, args, 0, func([]string) error {
		if *code == "" || *name == "" {
			return usagef("loaxa commune add: cần cả --code và --name; cách dùng: %s %s", f.name, f.usage)
		}
		if *rate < 0 {
			return usagef("loaxa commune add: --rate-per-min %d không hợp lệ; hãy cho một số dương, hoặc 0", *rate)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer o.Close()
	s := o.s
	c := notices.Commune{Code: *code, Name: *name, RatePerMin: *rate}
	if err := s.CreateCommune(ctx, "cli", &c); err != nil {
		return explain(err, communeFlagsOf)
	}
	cs, err := s.Communes(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã thêm %s.\n", communeLabel(&c))
	if len(cs) == 2 {
		fmt.Fprintf(e.stdout, "Cơ sở dữ liệu giờ phục vụ 2 xã: các lệnh hamlet, notice, user và zalo cần --commune MÃ.\n")
		// A daemon started on one commune sends through that commune's OA
		// only (README, "One commune → several needs a restart").
		fmt.Fprintf(e.stdout, "Hãy khởi động lại loaxa serve (ví dụ systemctl restart loaxa) sau khi thêm xã này: "+
			"tiến trình đang chạy chỉ gửi qua OA của xã đầu tiên; tin của %s chờ tới khi khởi động lại.\n", communeLabel(&c))
		// With one commune the footer was LOAXA_COMMUNE; from now on each
		// commune signs with its stored name: say so when they differ.
		for _, first := range cs {
			if first.ID != c.ID && o.cfg.Commune != "" && first.Name != o.cfg.Commune {
				fmt.Fprintf(e.stdout, "Lưu ý: tin của %s trước nay được ký theo LOAXA_COMMUNE (%q); từ giờ được ký theo tên "+
					"đã lưu của xã, %q. Nếu tên đúng là LOAXA_COMMUNE, hãy chạy: loaxa commune edit %s --name %q\n",
					communeLabel(&first), o.cfg.Commune, first.Name, first.Code, o.cfg.Commune)
			}
		}
	}
	return nil
}

func communeList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa commune list", "", "Liệt kê các xã/phường, cả những xã đã tắt.", "LOAXA_COMMUNE")
	o, err := f.prelude(ctx, args, 0, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	s, cfg := o.s, o.cfg
	cs, err := s.Communes(ctx)
	if err != nil {
		return err
	}
	widths := []int{24, 36, 10, 14, 14}
	row(e.stdout, widths, "MÃ", "TÊN (KÝ CUỐI TIN)", "THÔN/ẤP", "GIỚI HẠN OA", "OA", "TRẠNG THÁI")
	for _, c := range cs {
		hs, err := s.HamletsOf(ctx, c.ID)
		if err != nil {
			return err
		}
		rate := "chung"
		if c.RatePerMin > 0 {
			rate = strconv.Itoa(c.RatePerMin) + "/phút"
		}
		state := "đang hoạt động"
		if !c.Active {
			state = "đã tắt"
		}
		oa := "chưa kết nối"
		if _, refresh, _, err := s.CommuneTokens(c.ID).LoadZaloTokens(ctx); err != nil {
			return err
		} else if refresh != "" {
			oa = "đã có token"
		}
		row(e.stdout, widths, c.Code, c.Name, strconv.Itoa(len(hs)), rate, oa, state)
	}
	// Until messages are signed per commune, the daemon signs with
	// LOAXA_COMMUNE: say so when it differs.
	if len(cs) == 1 && cs[0].Name != cfg.Commune {
		fmt.Fprintf(e.stdout, "\nLưu ý: tin đang được ký theo LOAXA_COMMUNE (%q), không theo tên trên.\n", cfg.Commune)
	}
	return nil
}

func communeEdit(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa commune edit", "MÃ [--name TÊN] [--rate-per-min N] [--code MÃ_MỚI]",
		"Đổi tên ký cuối tin, giới hạn mỗi phút của OA, hoặc mã của một xã. Đổi mã khi bản nâng cấp đã đặt mã\n"+
			"theo một LOAXA_COMMUNE sai; chương trình khác ghi notices.commune theo mã cũ thì phải đổi theo.")
	name := f.String("name", "", "tên mới")
	newCode := f.String("code", "", "mã mới, chữ thường không dấu")
	rate := f.Int("rate-per-min", -1, "giới hạn mới mỗi phút của OA (0: bỏ giới hạn riêng)")
	o, err := f.prelude(ctx, args, 1, func([]string) error {
		if !f.given("name") && !f.given("rate-per-min") && !f.given("code") {
			return usagef("loaxa commune edit: không có gì để đổi; hãy cho --name, --rate-per-min hoặc --code")
		}
		if f.given("rate-per-min") && *rate < 0 {
			return usagef("loaxa commune edit: --rate-per-min %d không hợp lệ; hãy cho một số dương, hoặc 0", *rate)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer o.Close()
	s, pos := o.s, o.pos
	c, err := s.CommuneByCode(ctx, pos[0])
	if err != nil {
		return communeNotFound(err, pos[0])
	}
	candidate := *c // validate every change before writing any
	if f.given("name") {
		candidate.Name = *name
	}
	if f.given("rate-per-min") {
		candidate.RatePerMin = *rate
	}
	if err := candidate.Validate(); err != nil {
		return explain(err, communeFlagsOf)
	}
	if f.given("code") {
		if err := s.RenameCommune(ctx, "cli", c.Code, *newCode); err != nil {
			return explain(err, communeFlagsOf)
		}
		if c, err = s.CommuneByCode(ctx, *newCode); err != nil {
			return err
		}
	}
	if f.given("name") || f.given("rate-per-min") {
		if f.given("name") {
			c.Name = *name
		}
		if f.given("rate-per-min") {
			c.RatePerMin = *rate
		}
		if err := s.UpdateCommune(ctx, "cli", c); err != nil {
			return explain(err, communeFlagsOf)
		}
	}
	fmt.Fprintf(e.stdout, "Đã sửa %s.\n", communeLabel(c))
	return nil
}

func communeDisable(ctx context.Context, e *env, args []string) error {
	return communeSetActive(ctx, e, args, false)
}

func communeEnable(ctx context.Context, e *env, args []string) error {
	return communeSetActive(ctx, e, args, true)
}

func communeSetActive(ctx context.Context, e *env, args []string, active bool) error {
	name, about := "loaxa commune disable", "Tắt một xã: các thôn/ấp của xã không nhận tin nữa, xã không nhận thông báo mới."
	if active {
		name, about = "loaxa commune enable", "Bật lại một xã đã tắt."
	}
	f := newFlags(e, name, "MÃ", about)
	o, err := f.prelude(ctx, args, 1, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	pos := o.pos
	if err := o.s.SetCommuneActive(ctx, "cli", pos[0], active); err != nil {
		return communeNotFound(err, pos[0])
	}
	label := scopeLabel(ctx, o.s, pos[0])
	if active {
		fmt.Fprintf(e.stdout, "Đã bật %s.\n", label)
	} else {
		fmt.Fprintf(e.stdout, "Đã tắt %s: các thôn/ấp của xã không nhận tin nữa.\n", label)
	}
	return nil
}

func communeNotFound(err error, code string) error {
	if errors.Is(err, notices.ErrNotFound) {
		return fmt.Errorf("không có xã mang mã %q; xem các mã bằng loaxa commune list", code)
	}
	return explain(err, communeFlagsOf)
}
