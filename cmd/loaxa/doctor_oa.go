package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// The Zalo checks of one OA: its stored pair, a live call, the rate limit
// and each active hamlet's group. With one commune they are the doctor's
// Zalo checks; in a province each active commune's OA is checked with its
// own pair, one after the other, and one commune's failure never stops the
// others' checks.

// oaCheck is the Zalo check of one commune's OA.
type oaCheck struct {
	d        *doctor
	c        notices.Commune
	province bool // several communes: every line names the commune
	client   *bot.Client
	groups   []bot.Group // the OA's groups, once the live call answered
	checks   []check
	spent    time.Duration // of --timeout, by this OA's calls so far
}

// bounded is ctx limited to what is left of this OA's --timeout; done
// counts the time used.
func (o *oaCheck) bounded(ctx context.Context) (context.Context, func()) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.d.timeout-o.spent)
	return ctx, func() {
		cancel()
		o.spent += time.Since(start)
	}
}

func (o *oaCheck) add(name, status, msg, fix string) {
	ch := check{Area: "zalo", Name: name, Status: status, Message: msg, Fix: fix}
	if o.province {
		ch.Commune = o.c.Code
		ch.Message = communeLabel(&o.c) + ": " + msg
	}
	o.checks = append(o.checks, ch)
}

// failed reports whether any of the OA's checks failed.
func (o *oaCheck) failed() bool { return o.count(checkFail) > 0 }

// count is how many of the OA's checks have status.
func (o *oaCheck) count(status string) int {
	n := 0
	for _, c := range o.checks {
		if c.Status == status {
			n++
		}
	}
	return n
}

// connectFix is how to connect this OA again.
func (o *oaCheck) connectFix() string {
	if o.province {
		return "chạy " + bot.ConnectCommand(o.c.Code) +
			" (--redirect-uri https://tên-miền/zalo/callback, hoặc --refresh-token-file TỆP); docs/GOING-LIVE.md, bước 6"
	}
	return "kết nối lại OA: " + bot.ConnectCommand("") + " hoặc trang quản trị → Kết nối Zalo OA (docs/GOING-LIVE.md, bước 6)"
}

// checkZalo runs the Zalo checks: of the only commune's OA, or of every
// active commune's (only --commune's when given).
func (d *doctor) checkZalo(ctx context.Context) {
	if d.cfg.ZaloAppID == "" || d.cfg.ZaloAppSecret == "" || d.store == nil {
		why := "ZALO_APP_ID/ZALO_APP_SECRET chưa đặt"
		if d.store == nil {
			why = "cơ sở dữ liệu chưa đọc được"
		}
		d.add("zalo", "zalo.rest", checkSkip, "các kiểm tra Zalo được bỏ qua: "+why, "sửa lỗi ở trên trước")
		return
	}
	cs, err := d.store.Communes(ctx)
	if err != nil || len(cs) == 0 {
		d.add("zalo", "zalo.communes", checkFail, fmt.Sprintf("không đọc được danh sách xã: %v", err), "")
		return
	}
	province := len(cs) > 1
	if d.commune != "" {
		var chosen []notices.Commune
		for _, c := range cs {
			if c.Code == d.commune {
				chosen = append(chosen, c)
			}
		}
		if len(chosen) == 0 {
			d.add("zalo", "zalo.communes", checkFail, fmt.Sprintf("không có xã mang mã %q", d.commune),
				"xem các mã bằng loaxa commune list")
			return
		}
		cs = chosen
	}
	if !province {
		o := &oaCheck{d: d, c: cs[0]}
		o.checkTokens(ctx)
		if o.client != nil {
			o.checkRest(ctx, nil)
		}
		d.checks = append(d.checks, o.checks...)
		return
	}
	d.checkProvince(ctx, cs)
}

// checkProvince checks each active commune's OA, and lists the disabled
// communes. The groups are checked once every OA has listed its own, so
// that a hamlet pointing at another commune's group can name that commune.
// --timeout bounds each commune's calls (oaCheck.bounded), not all of
// them together.
func (d *doctor) checkProvince(ctx context.Context, cs []notices.Commune) {
	var oas []*oaCheck
	var disabled []string
	var off []notices.Commune              // the disabled ones
	owner := map[string]*notices.Commune{} // group id → the commune whose OA lists it
	for _, c := range cs {
		if !c.Active {
			disabled = append(disabled, c.Code)
			off = append(off, c)
			continue
		}
		o := &oaCheck{d: d, c: c, province: true}
		o.checkTokens(ctx)
		for _, g := range o.groups {
			owner[g.GroupID] = &o.c
		}
		oas = append(oas, o)
	}
	var good, bad []string
	for _, o := range oas {
		if o.client != nil {
			o.checkRest(ctx, owner)
		}
		warns, unchecked := o.count(checkWarn), o.count(checkSkip)
		switch {
		case o.failed():
			bad = append(bad, o.c.Code)
			o.add("zalo.commune", checkFail, "có lỗi ở trên: tin của xã này có thể không tới các nhóm; các xã khác vẫn gửi",
				"sửa theo chỉ dẫn → ở trên, rồi chạy lại loaxa doctor --commune "+o.c.Code)
		case unchecked > 0:
			good = append(good, o.c.Code)
			o.add("zalo.commune", checkWarn, "không có lỗi trong những gì đã kiểm, nhưng chưa kiểm hết (ở trên)",
				"chạy lại: loaxa doctor --commune "+o.c.Code+" --timeout 15m")
		case warns > 0:
			good = append(good, o.c.Code)
			o.add("zalo.commune", checkOK, fmt.Sprintf("OA kết nối tốt, không có lỗi; %d điều cần chú ý (ở trên)", warns), "")
		default:
			good = append(good, o.c.Code)
			o.add("zalo.commune", checkOK, "OA kết nối tốt, mọi nhóm đang bật đều gửi được", "")
		}
		d.checks = append(d.checks, o.checks...)
	}
	for _, c := range off {
		d.add("zalo", "zalo.commune_disabled", checkSkip,
			fmt.Sprintf("%s đã tắt: không kiểm, không gửi tin nào của xã này", communeLabel(&c)), "bật lại nếu cần: loaxa commune enable "+c.Code)
	}
	msg := fmt.Sprintf("%d xã đang bật được kiểm: %d tốt", len(oas), len(good))
	if len(bad) > 0 {
		msg += fmt.Sprintf(", %d có lỗi (%s)", len(bad), strings.Join(bad, ", "))
	}
	if len(disabled) > 0 {
		msg += fmt.Sprintf("; %d xã đã tắt (%s)", len(disabled), strings.Join(disabled, ", "))
	}
	switch {
	case len(oas) == 0:
		d.add("zalo", "zalo.communes", checkWarn, msg, "bật một xã: loaxa commune enable MÃ")
	case len(bad) > 0:
		d.add("zalo", "zalo.communes", checkFail, msg, "xem từng xã ở trên")
	default:
		d.add("zalo", "zalo.communes", checkOK, msg, "")
	}
}

// checkTokens checks the stored pair and makes the live call (the OA's
// group list). It leaves o.client set when the OA answered.
func (o *oaCheck) checkTokens(ctx context.Context) {
	ctx, done := o.bounded(ctx)
	defer done()
	d := o.d
	tokens := d.store.CommuneTokens(o.c.ID)
	access, refresh, _, err := tokens.LoadZaloTokens(ctx)
	if err != nil {
		o.add("zalo.token", checkFail, fmt.Sprintf("không đọc được token trong cơ sở dữ liệu: %v", err), "")
		return
	}
	if access == "" && refresh == "" {
		switch {
		case o.province:
			o.add("zalo.token", checkFail, "OA chưa kết nối; tin của xã này chờ trong hàng đợi, các xã khác vẫn gửi", o.connectFix())
		case d.cfg.ZaloRefreshToken != "":
			o.add("zalo.token", checkWarn,
				"cơ sở dữ liệu chưa có token; ZALO_REFRESH_TOKEN sẽ được lưu khi dịch vụ khởi động lần đầu",
				"khởi động dịch vụ (systemctl start loaxa), rồi chạy lại loaxa doctor")
		default:
			o.add("zalo.token", checkFail, "OA chưa kết nối: cơ sở dữ liệu không có token Zalo",
				"kết nối OA: loaxa zalo connect --redirect-uri https://tên-miền/zalo/callback, hoặc trang quản trị → "+
					"Kết nối Zalo → Kết nối Zalo OA (docs/GOING-LIVE.md, bước 6)")
		}
		o.add("zalo.rest", checkSkip, "các kiểm tra Zalo cần OA đã kết nối", "")
		return
	}
	c := d.newDoctorClient(tokens)
	if err := c.Reload(ctx); err != nil {
		o.add("zalo.token", checkFail, bot.Reason(err), o.connectFix())
		o.add("zalo.rest", checkSkip, "các kiểm tra Zalo cần OA đã kết nối", "")
		return
	}
	if o.province {
		o.add("zalo.token", checkOK, "đã lưu token OA", "")
	}
	if saved, err := tokens.ZaloTokensSavedAt(ctx); err == nil && !saved.IsZero() {
		expires := saved.Add(bot.RefreshTokenLife)
		left := expires.Sub(d.now())
		msg := fmt.Sprintf("cặp token được cấp lúc %s; refresh token hết hạn khoảng %s nếu không được làm mới",
			d.local(saved), d.local(expires))
		switch {
		case left <= 0:
			o.add("zalo.refresh_token", checkFail, msg+": đã quá hạn", o.connectFix())
		case left < refreshWarn:
			o.add("zalo.refresh_token", checkWarn, msg+": sắp hết hạn, và dịch vụ lẽ ra đã làm mới nó",
				"kiểm tra dịch vụ đang chạy (systemctl status loaxa); nếu không, kết nối lại OA")
		default:
			o.add("zalo.refresh_token", checkOK, msg, "")
		}
	}
	groups, err := c.ListGroups(ctx) // the live call; may refresh an expired access token, as the daemon would
	h := c.Health()
	if err != nil {
		fix := liveFix(err, d.cfg.ZaloAPIBase)
		if errors.Is(err, bot.ErrReconnect) || errors.Is(err, bot.ErrNotConnected) {
			fix = o.connectFix()
		}
		o.add("zalo.live", checkFail, "gọi Zalo không được: "+bot.Reason(err), fix)
		o.add("zalo.rest", checkSkip, "các kiểm tra nhóm và gói được bỏ qua", "")
		return
	}
	o.add("zalo.live", checkOK, fmt.Sprintf("gọi Zalo được: OA quản lý %d nhóm; access token hết hạn lúc %s (tự làm mới)",
		len(groups), d.local(h.AccessExpiresAt)), "")
	o.client, o.groups = c, groups
}

// checkRest checks the rate limit and the groups of the OA that answered;
// owner (province only) names the commune whose OA lists each group.
func (o *oaCheck) checkRest(ctx context.Context, owner map[string]*notices.Commune) {
	ctx, done := o.bounded(ctx)
	defer done()
	o.checkRate()
	o.checkGroups(ctx, owner)
}

// checkRate compares ZALO_RATE_PER_MIN, and the commune's own limit, with
// the limit Zalo announced.
func (o *oaCheck) checkRate() {
	ours := o.d.cfg.ZaloRatePerMin
	if ours == 0 {
		ours = bot.DefaultRatePerMin
	}
	seen, ok := o.client.RateLimitSeen()
	switch {
	case !ok:
		o.add("zalo.rate", checkOK,
			fmt.Sprintf("loaxa gửi tối đa %d yêu cầu/phút; Zalo không báo giới hạn (không có tiêu đề X-RateLimit-*)", ours), "")
	case o.c.RatePerMin > 0 && seen.Limit == o.c.RatePerMin:
		o.add("zalo.rate", checkOK,
			fmt.Sprintf("giới hạn gói OA của xã %d yêu cầu/phút (còn %d), loaxa đặt %d cho xã này", seen.Limit, seen.Remain, o.c.RatePerMin), "")
	case ours > seen.Limit:
		fix := fmt.Sprintf("đặt ZALO_RATE_PER_MIN=%d trong /etc/loaxa/loaxa.env và khởi động lại dịch vụ", seen.Limit)
		if o.province {
			fix += fmt.Sprintf("; hoặc, nếu đó là giới hạn gói OA của xã này: loaxa commune edit %s --rate-per-min %d", o.c.Code, seen.Limit)
		}
		o.add("zalo.rate", checkFail,
			fmt.Sprintf("Zalo cho ứng dụng/OA này %d yêu cầu/phút, loaxa đặt %d: tin gửi nhiều sẽ bị Zalo từ chối (-32)", seen.Limit, ours), fix)
	case seen.Remain < seen.Limit/10:
		o.add("zalo.rate", checkWarn,
			fmt.Sprintf("giới hạn %d yêu cầu/phút, chỉ còn %d trong phút này: một chương trình khác dùng chung ứng dụng?", seen.Limit, seen.Remain),
			"kiểm tra không có loaxa thứ hai hoặc chương trình khác dùng cùng ứng dụng Zalo")
	default:
		o.add("zalo.rate", checkOK,
			fmt.Sprintf("giới hạn của Zalo %d yêu cầu/phút (còn %d), loaxa đặt %d", seen.Limit, seen.Remain, ours), "")
	}
}

// checkGroups asks the OA about each of its commune's active hamlets'
// groups: reachable by this OA, enabled, and its GMF package not about to
// expire.
func (o *oaCheck) checkGroups(ctx context.Context, owner map[string]*notices.Commune) {
	d := o.d
	hs, err := d.store.HamletsOf(ctx, o.c.ID)
	if err != nil {
		o.add("zalo.groups", checkFail, fmt.Sprintf("không đọc được danh sách thôn/ấp: %v", err), "")
		return
	}
	listed := map[string]bool{}
	for _, g := range o.groups {
		listed[g.GroupID] = true
	}
	syncFix := "loaxa hamlet sync để xem các nhóm của OA"
	hamletsPage := "trang quản trị → Thôn/ấp"
	if o.province {
		syncFix = "loaxa zalo status --commune " + o.c.Code + " và loaxa hamlet sync --commune " + o.c.Code + " để xem các nhóm của OA xã này"
		hamletsPage = "trang quản trị → Thôn/ấp (chọn " + communeLabel(&o.c) + ")"
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
		info, err := o.client.GroupInfo(ctx, h.GroupID)
		var ae *bot.APIError
		switch {
		case errors.As(err, &ae) && ae.Code == -403:
			bad++
			if other := owner[h.GroupID]; other != nil && other.ID != o.c.ID {
				o.add("zalo.group", checkFail,
					fmt.Sprintf("%s: nhóm này thuộc OA của %s, không phải OA của %s (Zalo trả -403): tin của thôn/ấp này không gửi được",
						name, communeLabel(other), communeLabel(&o.c)),
					"sửa group_id của thôn/ấp cho đúng nhóm của "+communeLabel(&o.c)+" ở "+hamletsPage+"; "+syncFix)
				continue
			}
			o.add("zalo.group", checkFail, name+": OA không ở trong nhóm này (Zalo trả -403)",
				"sửa group_id của thôn/ấp ở "+hamletsPage+", hoặc "+syncFix)
			continue
		case err != nil && ctx.Err() != nil:
			left++
			continue
		case err != nil:
			bad++
			o.add("zalo.group", checkFail, name+": không hỏi được Zalo về nhóm: "+bot.Reason(err), "chạy lại sau ít phút")
			continue
		case info.Status != "" && info.Status != "enabled":
			bad++
			// A group is disabled when its package lapsed (-237): say so,
			// since renewing is then the fix.
			if exp, ok := info.AssetExpiry(); ok && !exp.After(d.now()) {
				o.add("zalo.package", checkFail, fmt.Sprintf("%s: gói GMF đã hết hạn lúc %s, nhóm bị tắt, tin gửi sẽ bị từ chối", name, d.local(exp)),
					"gia hạn gói GMF của nhóm ở oa.zalo.me → Quản lý gói (docs/GOING-LIVE.md, bước 3)")
				continue
			}
			o.add("zalo.group", checkFail, fmt.Sprintf("%s: nhóm đang bị tắt (%s), tin gửi sẽ bị từ chối", name, info.Status),
				"gia hạn hoặc gắn gói GMF cho nhóm ở trang quản lý OA (oa.zalo.me)")
			continue
		}
		if !listed[h.GroupID] && len(o.groups) > 0 {
			o.add("zalo.group", checkWarn, name+": nhóm trả lời được nhưng không có trong danh sách nhóm của OA", "")
		}
		if exp, ok := info.AssetExpiry(); ok {
			left := exp.Sub(d.now())
			switch {
			case left <= 0:
				bad++
				o.add("zalo.package", checkFail, fmt.Sprintf("%s: gói GMF đã hết hạn lúc %s", name, d.local(exp)),
					"gia hạn gói GMF của nhóm ở oa.zalo.me → Quản lý gói (docs/GOING-LIVE.md, bước 3)")
				continue
			case left < packageWarnFor && !info.AssetAutoRenew:
				expiring++
				o.add("zalo.package", checkWarn,
					fmt.Sprintf("%s: gói GMF hết hạn lúc %s (còn %d ngày), không tự gia hạn", name, d.local(exp), int(left.Hours()/24)),
					"gia hạn gói GMF ở oa.zalo.me → Quản lý gói, hoặc bật tự gia hạn (docs/GOING-LIVE.md, bước 3)")
			}
		}
		good++
	}
	if left > 0 {
		o.add("zalo.groups_unchecked", checkSkip,
			fmt.Sprintf("hết thời gian (--timeout %s) khi còn %d thôn/ấp chưa kiểm", d.timeout, left),
			"chạy lại với --timeout dài hơn, ví dụ loaxa doctor --timeout 15m")
	}
	switch {
	case good+bad == 0 && left > 0:
		return
	case good+bad == 0:
		fix := "loaxa hamlet sync"
		if o.province {
			fix = "loaxa hamlet import --commune " + o.c.Code + " TỆP.csv, hoặc loaxa hamlet sync --commune " + o.c.Code
		}
		o.add("zalo.groups", checkWarn, "chưa có thôn/ấp nào đang bật để kiểm nhóm", fix)
	case bad == 0:
		msg := fmt.Sprintf("nhóm của cả %d thôn/ấp đang bật đều trả lời được, nhóm đang mở", good)
		if expiring > 0 {
			msg += fmt.Sprintf("; %d gói GMF sắp hết hạn (ở trên)", expiring)
		}
		o.add("zalo.groups", checkOK, msg, "")
	default:
		o.add("zalo.groups", checkFail, fmt.Sprintf("%d thôn/ấp có nhóm không gửi được, %d thôn/ấp tốt", bad, good),
			"xem từng dòng ở trên")
	}
}

// newDoctorClient builds the Zalo client of one OA on its token store. It
// refreshes the access token only once it has expired, never ahead as the
// daemon does: the refresh token is single-use, and a doctor run beside a
// running daemon must not race it for the next refresh (the refresh, when
// it happens, is journalled and locked as the daemon's is).
func (d *doctor) newDoctorClient(tokens bot.TokenStore) *bot.Client {
	return bot.NewClient(bot.Config{
		APIBase:      d.cfg.ZaloAPIBase,
		OAuthBase:    d.cfg.ZaloOAuthBase,
		AppID:        d.cfg.ZaloAppID,
		AppSecret:    d.cfg.ZaloAppSecret,
		RatePerMin:   d.cfg.ZaloRatePerMin,
		RefreshAhead: time.Second,
	}, tokens, zerolog.Nop())
}
