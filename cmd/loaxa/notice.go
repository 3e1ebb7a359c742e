package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// noticeFlags maps notice fields to the flags of notice add.
var noticeFlags = map[string]string{
	"title": "--title", "body": "--body", "category": "--category", "priority": "--priority",
	"targets": "--hamlets", "publish_at": "--at", "recurrence": "--cron", "expires_at": "--expires",
	"kind": "--kind", "refers_to": "--refers-to", "image": "--image", "status": "", "approver": "--as",
	"commune": "--commune",
}

// flagsOf is noticeFlags with the targets named by the flags the user
// gave: --communes, --hamlets, or both.
func flagsOf(communes, hamlets string) map[string]string {
	if strings.TrimSpace(communes) == "" {
		return noticeFlags
	}
	m := maps.Clone(noticeFlags)
	m["targets"] = "--communes"
	if strings.TrimSpace(hamlets) != "" {
		m["targets"] = "--communes/--hamlets"
	}
	return m
}

// communesHelp is --communes's help, for notice add and notice edit.
const communesHelp = "thông báo cấp tỉnh: all (mọi xã đang hoạt động) hoặc các mã xã cách nhau bởi dấu phẩy; " +
	"thêm từng thôn/ấp bằng --hamlets xã/thôn"

// joinCommunes folds --communes into --hamlets, as notice add and notice
// edit take them: it makes the command's scope the province, and the
// targets the communes given followed by the "commune/hamlet" pairs of
// --hamlets; --communes all leaves hamlets empty (every hamlet).
func joinCommunes(name, communes string, hamlets *string, sc *scope) error {
	if strings.TrimSpace(communes) == "" {
		return nil
	}
	if strings.TrimSpace(*sc.commune) != "" {
		return usagef("%s: --communes là thông báo cấp tỉnh; không dùng cùng --commune", name)
	}
	*sc.province = true
	switch {
	case strings.TrimSpace(communes) == notices.AllHamlets:
		if strings.TrimSpace(*hamlets) != "" {
			return usagef("%s: --communes all đã gồm mọi thôn/ấp; bỏ --hamlets, hoặc liệt kê các xã", name)
		}
	case strings.TrimSpace(*hamlets) != "":
		*hamlets = communes + "," + *hamlets
	default:
		*hamlets = communes
	}
	return nil
}

func noticeAdd(ctx context.Context, e *env, args []string) error {
	origHamlets := new(string)
	f := newFlags(e, "loaxa notice add", "--title TIÊU_ĐỀ --body NỘI_DUNG [tùy chọn]",
		"Tạo thông báo. Thông báo chờ duyệt, trừ khi có --approve.\n"+
			"THỜI_ĐIỂM viết dạng 2006-01-02 15:04 theo giờ LOAXA_TZ, hoặc RFC 3339 (2026-11-27T08:00:00+07:00).",
		"LOAXA_TZ")
	title := f.String("title", "", "tiêu đề")
	body := f.String("body", "", "nội dung (dài quá 2000 ký tự sẽ được chia thành nhiều tin)")
	hamlets := f.String("hamlets", "", "all (mọi thôn/ấp đang hoạt động) hoặc các mã cách nhau bởi dấu phẩy (mặc định: all; với update/cancel: như thông báo gốc); "+
		"với --province: mã xã và xã/thôn, ví dụ xa-an-phu,xa-phu-hoa/ap-1")
	at := f.String("at", "", "THỜI_ĐIỂM đăng (mặc định: ngay khi được duyệt)")
	cronSpec := f.String("cron", "", "lịch lặp cron 5 trường theo giờ xã, ví dụ \"0 7 * * 1\", hoặc @daily, @weekly, @monthly")
	expires := f.String("expires", "", "THỜI_ĐIỂM hết hiệu lực: sau đó không gửi nữa")
	priority := f.String("priority", "normal", "urgent (gửi ngay, cả giờ yên lặng), normal, hoặc low (gộp vào bản tin)")
	category := f.String("category", notices.DefaultCategory, "chuyên mục")
	image := f.String("image", "", "tệp ảnh JPEG hoặc PNG, tối đa 1 MB")
	approve := f.Bool("approve", false, "duyệt luôn khi tạo")
	kind := f.String("kind", "notice", "notice, update (đính chính) hoặc cancel (hủy)")
	refersTo := f.Int64("refers-to", 0, "số thông báo gốc, cho update và cancel")
	as := f.String("as", "cli", "tên người viết")
	communes := f.String("communes", "", communesHelp)
	sc := communeScope(f, true)
	o, err := f.prelude(ctx, args, 0, func([]string) error {
		if err := checkPriority(f.name, *priority); err != nil {
			return err
		}
		if err := checkKind(f.name, *kind); err != nil {
			return err
		}
		*origHamlets = *hamlets
		if err := joinCommunes(f.name, *communes, hamlets, sc); err != nil {
			return err
		}
		// An update or cancel without --commune/--province belongs to the
		// commune of the notice it refers to: no scope to resolve.
		sc.skip = !sc.given() && *refersTo != 0
		return nil
	})
	if err != nil {
		return err
	}
	defer o.Close()
	s, cfg := o.s, o.cfg
	var commune string // empty: the commune of the notice referred to, or the only one
	if !sc.skip {
		commune = scopeCode(o.c)
	}
	n := notices.Notice{Commune: commune, Title: *title, Body: *body, Category: *category, Priority: notices.Priority(*priority),
		Recurrence: *cronSpec, Kind: notices.Kind(*kind), RefersTo: *refersTo, Author: *as,
		Source: notices.SourceCLI, Status: notices.StatusPending}
	if *approve {
		n.Status = notices.StatusApproved
	}
	if strings.TrimSpace(*hamlets) != "" {
		n.Targets = strings.Split(*hamlets, ",")
		if strings.TrimSpace(*hamlets) == notices.AllHamlets {
			n.Targets = []string{notices.AllHamlets}
		}
	}
	var bad notices.FieldErrors
	for _, t := range []struct {
		field, value string
		dst          *time.Time
	}{{"publish_at", *at, &n.PublishAt}, {"expires_at", *expires, &n.ExpiresAt}} {
		if t.value == "" {
			continue
		}
		v, err := notices.ParseTime(t.value, s.Location())
		if err != nil {
			bad = append(bad, notices.FieldError{Field: t.field, Msg: err.Error()})
		} else if t.field == "publish_at" && v.Before(time.Now().Add(-time.Minute)) {
			// As the site: a past time is a typo, not a wish to send at once.
			bad = append(bad, notices.FieldError{Field: t.field, Msg: fmt.Sprintf(
				"Thời điểm gửi %s đã qua; hãy chọn một thời điểm trong tương lai, hoặc bỏ --at để gửi ngay khi được duyệt.",
				notices.FormatDisplay(v, s.Location()))})
		}
		*t.dst = v
	}
	if *image != "" {
		b, err := readLimited(*image, notices.MaxImage+1)
		if err != nil {
			bad = append(bad, notices.FieldError{Field: "image", Msg: fmt.Sprintf("Không đọc được tệp ảnh %s; hãy kiểm tra đường dẫn.", *image)})
		}
		n.Image = b
	}
	if len(bad) > 0 {
		// Report the other fields' mistakes too, in one go.
		var more notices.FieldErrors
		if errors.As(n.Validate(time.Now(), s.Location()), &more) {
			bad = append(bad, more...)
		}
		return explain(bad, flagsOf(*communes, *origHamlets))
	}
	if err := s.CreateNotice(ctx, &n); err != nil {
		return explain(err, flagsOf(*communes, *origHamlets))
	}
	state := "đang chờ duyệt (" + approveCmd(ctx, s, n.ID) + ")"
	if n.Status == notices.StatusApproved {
		state = "đã duyệt, sẽ gửi " + whenText(n, cfg.rules())
	}
	if n.Status == notices.StatusApproved {
		e.sayRules()
	}
	fmt.Fprintf(e.stdout, "Đã tạo thông báo số %d%s: %s.\n", n.ID, noticeOf(ctx, s, &n), state)
	return nil
}

// whenText says when an approved notice goes out, by the daemon's rules.
func whenText(n notices.Notice, rules notices.Rules) string {
	now := time.Now()
	next := rules.NextDue(&n, now)
	if n.Recurrence != "" {
		return fmt.Sprintf("theo lịch %s, lần tới %s", recurrenceCLI(n.Recurrence), sendAtText(n, next, rules, now))
	}
	if next.IsZero() {
		next = now
	}
	return sendAtText(n, next, rules, now)
}

// sendAtText says when something of n falling due at due really goes out:
// past quiet hours, or in which bulletin.
func sendAtText(n notices.Notice, due time.Time, rules notices.Rules, now time.Time) string {
	if due.IsZero() {
		return "không còn lượt nào"
	}
	loc := rules.Location
	at := rules.SendAt(n.Priority, due, now)
	switch {
	case n.Priority == notices.Low && !at.IsZero():
		return "vào bản tin " + notices.FormatLocal(at, loc)
	case at.After(now) && !due.After(now):
		return "sau giờ yên lặng (chờ hết giờ yên lặng, dự kiến " + notices.FormatLocal(at, loc) + ")"
	case at.After(due):
		return "lúc " + notices.FormatLocal(due, loc) + " (chờ hết giờ yên lặng, dự kiến " + notices.FormatLocal(at, loc) + ")"
	case !due.After(now):
		return "ngay"
	}
	return "lúc " + notices.FormatLocal(due, loc)
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

func noticeList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice list", "[--status TRẠNG_THÁI] [--hamlet MÃ] [--text CHỮ] [--limit N]",
		"Liệt kê thông báo, mới nhất trước. Trạng thái: draft, pending, approved, done, rejected, cancelled, expired.", "LOAXA_TZ")
	status := f.String("status", "", "chỉ thông báo ở trạng thái này")
	hamlet := f.String("hamlet", "", "chỉ thông báo gửi tới thôn/ấp mã này (nhiều xã: xã/thôn, ví dụ xa-an-phu/ap-1)")
	text := f.String("text", "", "chỉ thông báo có chữ này trong tiêu đề hoặc nội dung")
	limit := f.Int("limit", 50, "số thông báo tối đa")
	sc := communeScope(f, true)
	o, err := f.prelude(ctx, args, 0, func([]string) error {
		switch notices.Status(*status) {
		case "", notices.StatusDraft, notices.StatusPending, notices.StatusApproved, notices.StatusDone,
			notices.StatusRejected, notices.StatusCancelled, notices.StatusExpired:
		default:
			return usagef("loaxa notice list: không có trạng thái %q; hãy chọn draft, pending, approved, done, rejected, cancelled hoặc expired", *status)
		}
		if *limit < 1 {
			return usagef("loaxa notice list: --limit %d không hợp lệ; hãy cho một số từ 1 trở lên", *limit)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer o.Close()
	s, c := o.s, o.c
	filter := notices.NoticeFilter{Status: notices.Status(*status), Hamlet: *hamlet, Text: *text, Limit: *limit + 1}
	if sc.given() {
		filter.Commune = scopeCode(c) // with one commune and no flag: every notice, as before
	}
	if *hamlet != "" {
		if filter.HamletCommune, filter.Hamlet, err = hamletFilter(ctx, s, *hamlet, c); err != nil {
			return err
		}
	}
	ns, err := s.Notices(ctx, filter)
	if err != nil {
		return err
	}
	more := len(ns) > *limit
	if more {
		ns = ns[:*limit]
	}
	if len(ns) == 0 {
		fmt.Fprintln(e.stdout, "Không có thông báo nào.")
		return nil
	}
	ids := make([]int64, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	tallies, err := s.Tallies(ctx, ids)
	if err != nil {
		return err
	}
	waits, err := s.RetryWaits(ctx, ids)
	if err != nil {
		return err
	}
	tab := table{{"SỐ", "TRẠNG THÁI", "ƯU TIÊN", "ĐĂNG LÚC", "THÔN/ẤP", "TIÊU ĐỀ"}}
	damaged := 0
	for _, n := range ns {
		when := notices.FormatLocal(n.PublishAt, s.Location())
		if n.Recurrence != "" {
			when = recurrenceWords(n.Recurrence)
		} else if when == "" {
			when = "khi duyệt"
		}
		title := n.Title
		if n.Damaged != "" {
			title = "[HỎNG] " + title
			damaged++
		}
		tab.add(strconv.FormatInt(n.ID, 10), statusCLI(&n, tallies[n.ID], waits[n.ID], s.Location()),
			priorityShort(n.Priority), when, targetsText(n.Targets), title)
	}
	tab.print(e.stdout)
	if more {
		filter.Limit = 0
		total, err := s.CountNotices(ctx, filter)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nChỉ hiện %d thông báo mới nhất trong %d; xem hết bằng --limit %d.\n", *limit, total, total)
	}
	if damaged > 0 {
		fmt.Fprintf(e.stdout, "\n%d thông báo bị hỏng, đánh dấu HỎNG: không gửi được; xem lý do bằng loaxa notice show SỐ, dừng bằng loaxa notice cancel SỐ.\n", damaged)
	}
	return nil
}

func targetsText(ts []string) string {
	if len(ts) == 0 {
		return "tất cả"
	}
	return strings.Join(ts, ",")
}

// parseNoticeID reads the SỐ argument of a command on one notice.
func parseNoticeID(f *flags, arg string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%s: %q không phải số thông báo; xem số bằng loaxa notice list", f.name, arg)
	}
	return id, nil
}

func notFound(err error, id int64) error {
	if errors.Is(err, notices.ErrNotFound) {
		return fmt.Errorf("không có thông báo số %d; xem số bằng loaxa notice list", id)
	}
	return explain(err, noticeFlags)
}

func noticeApprove(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice approve", "SỐ [--as TÊN]",
		"Duyệt thông báo đang chờ. Người duyệt không được là người viết, trừ khi LOAXA_SELF_APPROVE=1.",
		"LOAXA_SELF_APPROVE")
	as := f.String("as", "cli", "tên người duyệt")
	communeScope(f, true)
	o, id, err := f.noticePrelude(ctx, args)
	if err != nil {
		return err
	}
	defer o.Close()
	s, cfg := o.s, o.cfg
	if err := checkApproverName(ctx, f, s, *as); err != nil {
		return err
	}
	if err := s.ApproveNotice(ctx, id, *as, cfg.SelfApprove); err != nil {
		var fes notices.FieldErrors
		if errors.As(err, &fes) && fes.Has("approver") && !cfg.SelfApprove && selfApproval(ctx, s, id, *as) {
			return fmt.Errorf("%v Hoặc dùng --as TÊN_NGƯỜI_DUYỆT, hoặc đặt LOAXA_SELF_APPROVE=1", explain(err, map[string]string{"approver": ""}))
		}
		return notFound(err, id)
	}
	n, err := s.Notice(ctx, id)
	if err != nil {
		return err
	}
	e.sayRules()
	fmt.Fprintf(e.stdout, "Đã duyệt thông báo số %d%s; sẽ gửi %s.\n", id, noticeOf(ctx, s, n), whenText(*n, cfg.rules()))
	return nil
}

func noticeCancel(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice cancel", "SỐ [--reason LÝ_DO]",
		"Hủy thông báo chưa gửi xong: các tin chưa gửi bị bỏ. Tin đã gửi vẫn còn trong nhóm;\n"+
			"để báo hủy cho bà con, tạo thông báo --kind cancel --refers-to SỐ.")
	reason := f.String("reason", "", "lý do hủy")
	as := f.String("as", "cli", "tên người hủy")
	communeScope(f, true)
	o, id, err := f.noticePrelude(ctx, args)
	if err != nil {
		return err
	}
	defer o.Close()
	k, err := o.s.CancelNotice(ctx, id, *as, *reason)
	if err != nil {
		return notFound(err, id)
	}
	fmt.Fprintf(e.stdout, "Đã hủy thông báo số %d; bỏ %d tin chưa gửi.\n", id, k)
	return nil
}

func noticeRetry(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice retry", "SỐ", "Gửi lại ngay các tin bị lỗi của một thông báo.")
	as := f.String("as", "cli", "tên người thực hiện")
	communeScope(f, true)
	o, id, err := f.noticePrelude(ctx, args)
	if err != nil {
		return err
	}
	defer o.Close()
	k, err := o.s.RetryNotice(ctx, id, *as)
	if err != nil {
		return notFound(err, id)
	}
	if k == 0 {
		fmt.Fprintf(e.stdout, "Thông báo số %d không có tin nào bị lỗi.\n", id)
		return nil
	}
	fmt.Fprintf(e.stdout, "Đã đưa %d tin bị lỗi của thông báo số %d vào hàng gửi lại.\n", k, id)
	return nil
}

// occurrenceLabel is an occurrence's state as staff read it.
func occurrenceLabel(status string) string {
	switch status {
	case notices.OccurrenceQueued:
		return "đã đưa vào hàng gửi"
	case notices.OccurrenceHeld:
		return "chờ bản tin"
	case notices.OccurrenceBulletined:
		return "đã vào bản tin"
	case notices.OccurrenceSkipped:
		return "bỏ qua"
	}
	return status
}

// noticeOf says whose notice n is, after its number, when s serves several
// communes: « của UBND xã An Phú (xa-an-phu)», « cấp tỉnh».
func noticeOf(ctx context.Context, s *notices.Store, n *notices.Notice) string {
	switch l := scopeOf(ctx, s, n.Commune); {
	case l == "":
		return ""
	case n.Commune == notices.Province:
		return " " + l
	default:
		return " của " + l
	}
}

// noticeInScope checks that notice id belongs to the commune c (nil: the
// province) that --commune/--province chose. Without the flags every
// notice is in scope, as before communes.
func noticeInScope(ctx context.Context, s *notices.Store, c *notices.Commune, id int64) error {
	n, err := s.Notice(ctx, id)
	if err != nil {
		return notFound(err, id)
	}
	if want := scopeCode(c); n.Commune != want {
		return fmt.Errorf("thông báo số %d thuộc %s, không thuộc %s; hãy kiểm tra lại số thông báo và --commune/--province",
			id, scopeLabel(ctx, s, n.Commune), communeLabel(c))
	}
	return nil
}
