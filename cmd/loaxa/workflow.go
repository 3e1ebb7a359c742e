package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// recurrenceCLI says a recurrence as the site does, with the spec after it:
// «Thứ Hai hằng tuần, 07:00» (0 7 * * 1).
func recurrenceCLI(spec string) string {
	if d := notices.DescribeRecurrence(spec); d != "" {
		return "«" + d + "» (" + spec + ")"
	}
	return fmt.Sprintf("riêng, cron %q", spec) // after "theo lịch": «theo lịch riêng, cron …»
}

func noticePause(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice pause", "SỐ",
		"Tạm dừng một thông báo lặp lại đã duyệt: các lượt đến hạn trong lúc tạm dừng bị bỏ qua,\n"+
			"không gửi bù khi cho tiếp tục (loaxa notice resume SỐ).")
	as := f.String("as", "cli", "tên người thực hiện")
	communeScope(f, true)
	o, id, err := f.noticePrelude(ctx, args)
	if err != nil {
		return err
	}
	defer o.Close()
	s := o.s
	k, err := s.PauseNotice(ctx, id, *as)
	if err != nil {
		return notFound(err, id)
	}
	fmt.Fprintf(e.stdout, "Đã tạm dừng thông báo số %d; bỏ %d tin đang chờ gửi. Cho tiếp tục: %s.\n", id, k, noticeCmd(ctx, s, "resume", id))
	return nil
}

func noticeResume(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice resume", "SỐ",
		"Cho một thông báo đang tạm dừng gửi tiếp từ lượt kế tiếp; các lượt đã bỏ qua không gửi bù.", "LOAXA_TZ")
	as := f.String("as", "cli", "tên người thực hiện")
	communeScope(f, true)
	o, id, err := f.noticePrelude(ctx, args)
	if err != nil {
		return err
	}
	defer o.Close()
	s, cfg := o.s, o.cfg
	if err := s.ResumeNotice(ctx, id, *as); err != nil {
		return notFound(err, id)
	}
	n, err := s.Notice(ctx, id)
	if err != nil {
		return notFound(err, id)
	}
	e.sayRules()
	fmt.Fprintf(e.stdout, "Đã cho thông báo số %d tiếp tục; sẽ gửi %s.\n", id, whenText(*n, cfg.rules()))
	return nil
}

func noticeSubmit(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice submit", "SỐ", "Gửi một bản nháp (hoặc thông báo bị từ chối, giữ nguyên nội dung) đi chờ duyệt.")
	as := f.String("as", "cli", "tên người thực hiện")
	communeScope(f, true)
	o, id, err := f.noticePrelude(ctx, args)
	if err != nil {
		return err
	}
	defer o.Close()
	s := o.s
	if err := s.SubmitNotice(ctx, id, *as); err != nil {
		return notFound(err, id)
	}
	fmt.Fprintf(e.stdout, "Đã gửi thông báo số %d đi chờ duyệt (%s).\n", id, approveCmd(ctx, s, id))
	return nil
}

func templateList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa template list", "", "Liệt kê các mẫu thông báo (quản lý ở trang quản trị, /templates).")
	o, err := f.prelude(ctx, args, 0, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	ts, err := o.s.Templates(ctx)
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		fmt.Fprintln(e.stdout, "Chưa có mẫu thông báo nào.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SỐ\tTÊN\tCHUYÊN MỤC\tƯU TIÊN\tTIÊU ĐỀ")
	for _, t := range ts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, notices.CategoryName(t.Category), priorityShort(t.Priority), strings.ReplaceAll(t.Title, "\t", " "))
	}
	return tw.Flush()
}

func noticeEdit(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa notice edit", "SỐ [--title …] [--body …] [--category …] [--priority …] [--communes …] [--hamlets …] [--draft]",
		"Sửa bản nháp, thông báo chờ duyệt hoặc bị từ chối, rồi gửi đi chờ duyệt (hoặc giữ làm nháp với --draft).\n"+
			"Chỉ các tùy chọn được ghi mới đổi. Thông báo đã duyệt không sửa được: hãy gửi đính chính.")
	title := f.String("title", "", "tiêu đề mới")
	body := f.String("body", "", "nội dung mới")
	category := f.String("category", "", "chuyên mục mới")
	priority := f.String("priority", "", "urgent, normal hoặc low")
	hamlets := f.String("hamlets", "", "all hoặc các mã cách nhau bởi dấu phẩy (thông báo cấp tỉnh: xã/thôn)")
	communes := f.String("communes", "", communesHelp)
	draft := f.Bool("draft", false, "giữ làm bản nháp thay vì gửi đi chờ duyệt")
	as := f.String("as", "cli", "tên người sửa")
	sc := communeScope(f, true)
	o, id, err := f.noticePrelude(ctx, args, func() error { return joinCommunes(f.name, *communes, hamlets, sc) })
	if err != nil {
		return err
	}
	defer o.Close()
	s := o.s
	n, err := s.Notice(ctx, id)
	if err != nil {
		return notFound(err, id)
	}
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["title"] {
		n.Title = *title
	}
	if set["body"] {
		n.Body = *body
	}
	if set["category"] {
		n.Category = *category
	}
	if set["priority"] {
		n.Priority = notices.Priority(*priority)
	}
	switch {
	case set["communes"] && strings.TrimSpace(*communes) == notices.AllHamlets:
		n.Targets = []string{notices.AllHamlets}
	case set["hamlets"] || set["communes"]:
		n.Targets = strings.Split(*hamlets, ",")
	}
	n.Status = notices.StatusPending
	if *draft {
		n.Status = notices.StatusDraft
	}
	if err := s.UpdateNotice(ctx, n, *as, true); err != nil {
		return notFound(err, id)
	}
	if *draft {
		fmt.Fprintf(e.stdout, "Đã lưu thông báo số %d làm bản nháp (gửi duyệt: %s).\n", id, noticeCmd(ctx, s, "submit", id))
	} else {
		fmt.Fprintf(e.stdout, "Đã sửa thông báo số %d và gửi đi chờ duyệt (%s).\n", id, approveCmd(ctx, s, id))
	}
	return nil
}

// recurrenceShow is a recurrence in words, as the site's notice page says
// it; the spec itself is a technical detail shown apart.
func recurrenceShow(spec string) string {
	if d := notices.DescribeRecurrence(spec); d != "" {
		return d
	}
	return "theo lịch riêng (xem chi tiết kỹ thuật)"
}

// recurrenceWords is a recurrence in words alone, for a list's column; the
// raw spec only when it has no words.
func recurrenceWords(spec string) string {
	if d := notices.DescribeRecurrence(spec); d != "" {
		return d
	}
	return "lịch riêng " + spec
}

// priorityShort is a priority's label without its explanation, for a
// list's column: "thấp", not "thấp (gộp vào bản tin)".
func priorityShort(p notices.Priority) string {
	l, _, _ := strings.Cut(p.Label(), " (")
	return l
}

// statusCLI is a notice's status as the site shows it: with its failed
// hamlets, and «chờ gửi lại lúc …» while a failed message waits to be
// sent again.
func statusCLI(n *notices.Notice, t notices.Tally, retryAt time.Time, loc *time.Location) string {
	label := notices.StatusText(n.Status, t)
	if retryAt.IsZero() || n.Status != notices.StatusApproved {
		return label
	}
	if t.Failed > 0 {
		return label + "; " + notices.RetryWaitText(retryAt, loc)
	}
	return notices.RetryWaitText(retryAt, loc)
}

// approveCmd is the command that approves notice id (noticeCmd).
func approveCmd(ctx context.Context, s *notices.Store, id int64) string {
	return noticeCmd(ctx, s, "approve", id)
}

// noticeCmd is the command `loaxa notice VERB id` as the CLI will take it:
// with several communes it names the notice's scope (--province or
// --commune), which the command then needs.
func noticeCmd(ctx context.Context, s *notices.Store, verb string, id int64) string {
	cmd := "loaxa notice " + verb + " " + strconv.FormatInt(id, 10)
	cs, err := s.Communes(ctx)
	if err != nil || len(cs) <= 1 {
		return cmd
	}
	n, err := s.Notice(ctx, id)
	switch {
	case err != nil:
		return cmd
	case n.Commune == notices.Province:
		return cmd + " --province"
	}
	return cmd + " --commune " + n.Commune
}
