package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/loaxa/loaxa/notices"
)

func noticeShow(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice show", "SỐ", "Xem một thông báo và tình trạng gửi tới từng thôn/ấp, kèm lý do khi lỗi.", "LOAXA_TZ")
	communeScope(f, true)
	o, id, err := f.noticePrelude(ctx, args)
	if err != nil {
		return err
	}
	defer o.Close()
	s, cfg := o.s, o.cfg
	n, err := s.Notice(ctx, id)
	if err != nil {
		return notFound(err, id)
	}
	loc := s.Location()
	w := e.stdout
	e.sayRules()
	fmt.Fprintf(w, "Thông báo số %d: %s\n", n.ID, n.Title)
	if n.Damaged != "" {
		fmt.Fprintf(w, "  %s.\n  Không gửi gì của thông báo này", n.DamagedText())
		if !n.DamagedAt.IsZero() {
			fmt.Fprintf(w, " (để riêng từ %s)", notices.FormatLocal(n.DamagedAt, loc))
		}
		fmt.Fprintf(w, "; dừng nó bằng loaxa notice cancel %d và viết lại nếu vẫn cần gửi.\n", n.ID)
	}
	field := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-16s %s\n", label+":", value)
		}
	}
	tallies, err := s.Tallies(ctx, []int64{n.ID})
	if err != nil {
		return err
	}
	waits, err := s.RetryWaits(ctx, []int64{n.ID})
	if err != nil {
		return err
	}
	field("Trạng thái", statusCLI(n, tallies[n.ID], waits[n.ID], loc))
	field("Lý do", n.Reason)
	field("Loại", n.Kind.Label())
	if n.RefersTo != 0 {
		field("Về thông báo", strconv.FormatInt(n.RefersTo, 10))
	}
	field("Ưu tiên", n.Priority.Label())
	field("Chuyên mục", notices.CategoryName(n.Category))
	if cs, err := s.Communes(ctx); err == nil && (len(cs) > 1 || n.Commune == notices.Province) {
		field("Thuộc", scopeLabel(ctx, s, n.Commune))
	}
	where, err := s.WhereText(ctx, n, "tất cả thôn/ấp đang hoạt động")
	if err != nil {
		return err
	}
	field("Gửi tới", where)
	if n.PublishAt.IsZero() {
		field("Đăng lúc", "ngay khi được duyệt")
	} else {
		field("Đăng lúc", notices.FormatLocal(n.PublishAt, loc))
	}
	paused := false
	if n.Recurrence != "" {
		// The words, as the site says them; the cron line only as a technical detail.
		field("Lặp lại", recurrenceShow(n.Recurrence))
		fmt.Fprintf(w, "  %-16s chi tiết kỹ thuật: lịch cron %s (giờ của xã)\n", "", n.Recurrence)
		if p, err := s.NoticePause(ctx, n.ID); err != nil {
			return err
		} else if p.Paused() {
			paused = true
			field("Tạm dừng", fmt.Sprintf("từ %s (%s); các lượt đến hạn bị bỏ qua, không gửi bù; cho tiếp tục: loaxa notice resume %d",
				notices.FormatLocal(p.At, loc), p.By, n.ID))
		}
	}
	if n.Recurrence != "" && (n.Status == notices.StatusApproved || n.Status == notices.StatusPending) {
		if paused {
			field("Lần tới", "đang tạm dừng: không gửi lượt nào cho tới khi cho tiếp tục")
		} else {
			field("Lần tới", sendAtText(*n, cfg.rules().NextDue(n, time.Now()), cfg.rules(), time.Now()))
		}
	}
	field("Hết hạn", notices.FormatLocal(n.ExpiresAt, loc))
	if n.ImageType != "" {
		field("Ảnh", fmt.Sprintf("%s, %d KB", n.ImageType, (len(n.Image)+1023)/1024))
	}
	field("Người viết", n.Author)
	field("Nguồn", string(n.Source))
	field("Người duyệt", n.Approver)
	field("Duyệt lúc", notices.FormatLocal(n.ApprovedAt, loc))
	field("Tạo lúc", notices.FormatLocal(n.CreatedAt, loc))
	if body := []rune(n.Body); n.Damaged != "" && len(body) > 2000 {
		fmt.Fprintf(w, "\n%s… (còn %d ký tự)\n", string(body[:2000]), len(body)-2000)
	} else if n.Body != "" {
		fmt.Fprintf(w, "\n%s\n", n.Body)
	}
	occ, err := s.Occurrences(ctx, id)
	if err != nil {
		return err
	}
	if len(occ) > 0 {
		fmt.Fprintf(w, "\nCác lượt gửi:\n")
		for _, o := range occ {
			row(w, []int{18, 16}, "  "+notices.FormatLocal(o.DueAt, loc), occurrenceLabel(o.Status), o.Reason)
		}
	}
	ds, err := s.NoticeDeliveries(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nTình trạng gửi:\n")
	if len(ds) == 0 {
		fmt.Fprintln(w, "  (không có thôn/ấp nào)")
	}
	// A province notice reaches several communes' hamlets, whose codes
	// repeat (every commune has an ap-1): each is named with its commune,
	// as --hamlets names it, commune/hamlet.
	label := func(h notices.Hamlet) string { return h.Code }
	if n.CommuneID == 0 {
		if cs, err := s.Communes(ctx); err != nil {
			return err
		} else if len(cs) > 1 {
			notices.WithCommunes(ds, cs)
			label = func(h notices.Hamlet) string {
				if h.Commune == "" {
					return h.Code
				}
				return h.Commune + "/" + h.Code
			}
		}
	}
	widths := []int{20, 14, 8}
	for _, d := range ds {
		if l := len([]rune(label(d.Hamlet))) + 3; l > widths[0] {
			widths[0] = l
		}
	}
	for _, d := range ds {
		detail := ""
		switch st := d.State(); {
		case st == notices.DeliverySent:
			detail = "lúc " + notices.FormatLocal(d.LastSentAt, loc)
		case st == notices.DeliveryQueued || st == notices.DeliveryRetry:
			detail = "dự kiến " + notices.FormatLocal(d.NextAttemptAt, loc)
		}
		// Until when it waits, by the daemon's rules (as the site says it).
		if wait := cfg.rules().WaitText(n, d, time.Now()); wait != "" {
			detail = wait
		}
		if d.Error != "" {
			if detail != "" {
				detail += "; "
			}
			detail += d.Error
			if d.ErrorCode != 0 {
				detail += fmt.Sprintf(" (mã Zalo %d)", d.ErrorCode)
			}
		}
		parts := d.PartsText("tin") // per occurrence for a recurring notice
		row(w, widths, "  "+label(d.Hamlet), d.State().Label(), parts, detail)
	}
	if r := notices.ReachOf(ds); r.Groups > 0 {
		fmt.Fprintf(w, "\n%s", r.Text())
		if r.UnknownMembers > 0 {
			fmt.Fprintf(w, " (chưa biết số thành viên của %d nhóm)", r.UnknownMembers)
		}
		fmt.Fprintln(w, " — số thành viên lúc gửi; nhóm Zalo không báo ai đã đọc.")
	}
	return nil
}
