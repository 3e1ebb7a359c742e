package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
)

var hamletFlags = map[string]string{"name": "--name", "code": "--code", "group_id": "--group-id"}

func hamletAdd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa hamlet add", "--name TÊN --group-id MÃ_NHÓM [--code MÃ]",
		"Thêm một thôn/ấp và nhóm Zalo của nó. Mã (--code) mặc định là tên bỏ dấu, ví dụ \"Khóm 1\" → khom-1.\n"+
			"Nhóm được kiểm tra với Zalo trước: nhóm OA không ở trong, hoặc nhóm đã bị tắt, bị từ chối; khi không\n"+
			"hỏi được Zalo (chưa kết nối, mất mạng) thôn/ấp vẫn được thêm, ghi \"chưa kiểm tra\", và được kiểm tra lại sau.",
		"ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_API_BASE")
	name := f.String("name", "", "tên thôn/ấp, ví dụ \"Khóm 1\"")
	group := f.String("group-id", "", "mã nhóm Zalo (group_id) của thôn/ấp")
	code := f.String("code", "", "mã ngắn, chữ thường không dấu (mặc định: từ tên)")
	communeScope(f, false)
	o, err := f.prelude(ctx, args, 0, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	s, cfg, c := o.s, o.cfg, o.c
	h := notices.Hamlet{Commune: c.Code, Name: *name, GroupID: *group, Code: *code}
	if err := h.Validate(); err != nil {
		return explain(err, hamletFlags)
	}
	// A group another hamlet has (another commune's, in a province) is
	// said as such, not as Zalo's -403 to this commune's OA.
	if err := s.HamletTaken(ctx, &h); err != nil {
		return explain(err, hamletFlags)
	}
	check := checkGroup(ctx, groupChecker(cfg, s.CommuneTokens(c.ID), o.oaKey), s, h.GroupID)
	if check.Refused != "" {
		return fmt.Errorf("không thêm %s: %s", h.Name, syncInCommune(ctx, s, c.Code, check.Refused))
	}
	h.Facts = &check.Facts
	if err := s.CreateHamlet(ctx, "cli", &h); err != nil {
		return explain(err, hamletFlags)
	}
	into := ""
	if l := scopeOf(ctx, s, c.Code); l != "" {
		into = " vào " + l
	}
	fmt.Fprintf(e.stdout, "Đã thêm %s (mã %s, nhóm %s)%s.\n", h.Name, h.Code, h.GroupID, into)
	if check.Unchecked() {
		fmt.Fprintf(e.stdout, "Lưu ý: %s.\n", uncheckedNote(check.Facts))
	} else {
		fmt.Fprintf(e.stdout, "Nhóm Zalo %q: %s thành viên.\n", check.Facts.Name, membersCell(check.Facts, true))
	}
	return nil
}

func hamletList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa hamlet list", "", "Liệt kê các thôn/ấp, cả những thôn/ấp đã tắt.")
	communeScope(f, false)
	o, err := f.prelude(ctx, args, 0, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	s := o.s
	hs, err := s.HamletsOf(ctx, o.c.ID)
	if err != nil {
		return err
	}
	if len(hs) == 0 {
		fmt.Fprintln(e.stdout, "Chưa có thôn/ấp nào; thêm bằng loaxa hamlet add hoặc loaxa hamlet import.")
		return nil
	}
	facts, err := s.AllGroupFacts(ctx)
	if err != nil {
		return err
	}
	now, loc := s.Now(), s.Location()
	widths := []int{20, 30, 24, 14, 24, 14}
	row(e.stdout, widths, "MÃ", "TÊN", "NHÓM ZALO", "THÀNH VIÊN", "GÓI NHÓM HẾT HẠN", "TRẠNG THÁI", "CẢNH BÁO")
	for _, h := range hs {
		state := "đang hoạt động"
		if !h.Active {
			state = "đã tắt"
		}
		f, ok := facts[h.GroupID]
		row(e.stdout, widths, h.Code, h.Name, h.GroupID, membersCell(f, ok), expiryCell(f, ok, loc), state,
			alarmsCell(h, f, ok, now, loc))
	}
	return nil
}

func hamletImport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa hamlet import", "TỆP.csv",
		"Nhập thôn/ấp từ tệp CSV có dòng tiêu đề code,name,group_id (mã có thể để trống: lấy từ tên).\n"+
			"Tất cả hoặc không gì cả: một dòng sai thì không dòng nào được nhập.")
	communeScope(f, false)
	var file string
	var hs []notices.Hamlet
	var lines []int
	o, err := f.prelude(ctx, args, 1, func(pos []string) error {
		file = pos[0]
		in, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("không mở được tệp %s: %v", file, errors.Unwrap(err))
		}
		defer in.Close()
		hs, lines, err = readHamletCSV(file, in)
		return err
	})
	if err != nil {
		return err
	}
	defer o.Close()
	s, cfg, c := o.s, o.cfg, o.c
	// Every row is checked with Zalo before anything is written, and every
	// refused row is reported at once.
	for i := range hs {
		hs[i].Commune = c.Code
		if err := hs[i].Validate(); err != nil {
			return fmt.Errorf("%s dòng %d: %v Không dòng nào được nhập.", file, lines[i], explain(err, map[string]string{}))
		}
	}
	checker := groupChecker(cfg, s.CommuneTokens(c.ID), o.oaKey)
	var refused []string
	unchecked := 0
	var offline *notices.GroupFacts // once Zalo could not be asked, the rest are not asked either
	commune := c.Code
	for i := range hs {
		var c schedule.GroupCheck
		if err := s.HamletTaken(ctx, &hs[i]); err != nil {
			// A group another hamlet has, said as such (as ImportHamlets
			// would) rather than as Zalo's -403 to this commune's OA.
			return fmt.Errorf("%s dòng %d: %v Không dòng nào được nhập.", file, lines[i], explain(err, map[string]string{}))
		}
		if offline != nil {
			c.Facts = *offline
			c.Facts.GroupID = hs[i].GroupID
		} else if c = checkGroup(ctx, checker, s, hs[i].GroupID); c.Unchecked() {
			offline = &c.Facts
		}
		switch {
		case c.Refused != "":
			refused = append(refused, fmt.Sprintf("dòng %d (%s): %s", lines[i], hs[i].Name, syncInCommune(ctx, s, commune, c.Refused)))
		case c.Unchecked():
			unchecked++
		}
		hs[i].Facts = &c.Facts
	}
	if len(refused) > 0 {
		return fmt.Errorf("%s: không dòng nào được nhập, vì %s", file, strings.Join(refused, "; "))
	}
	if err := s.ImportHamlets(ctx, "cli", hs); err != nil {
		var re *notices.RowError
		if errors.As(err, &re) {
			return fmt.Errorf("%s dòng %d: %v Không dòng nào được nhập.", file, lines[re.Row], explain(re.Err, map[string]string{}))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Đã nhập %d thôn/ấp từ %s.\n", len(hs), file)
	if unchecked > 0 {
		fmt.Fprintf(e.stdout, "Lưu ý: %d nhóm chưa kiểm tra được với Zalo (%s); loaxa serve sẽ kiểm tra lại sau.\n",
			unchecked, firstCheckError(hs))
	}
	return nil
}

// firstCheckError is the reason the first unchecked group of hs gave.
func firstCheckError(hs []notices.Hamlet) string {
	for _, h := range hs {
		if h.Facts != nil && !h.Facts.Checked() {
			return h.Facts.CheckError
		}
	}
	return ""
}

// readHamletCSV reads code,name,group_id rows and the line of each.
func readHamletCSV(file string, in io.Reader) ([]notices.Hamlet, []int, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("%s trống; tệp cần dòng tiêu đề code,name,group_id và mỗi dòng một thôn/ấp", file)
	}
	if err != nil {
		return nil, nil, csvError(file, err)
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	if strings.Join(header, ",") != "code,name,group_id" {
		return nil, nil, fmt.Errorf("%s dòng 1: tiêu đề là %q; hãy dùng đúng code,name,group_id", file, strings.Join(header, ","))
	}
	var hs []notices.Hamlet
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvError(file, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) != 3 {
			return nil, nil, fmt.Errorf("%s dòng %d: có %d cột, cần 3 (code,name,group_id); không dòng nào được nhập", file, line, len(rec))
		}
		hs = append(hs, notices.Hamlet{Code: rec[0], Name: rec[1], GroupID: rec[2]})
		lines = append(lines, line)
	}
	if len(hs) == 0 {
		return nil, nil, fmt.Errorf("%s không có dòng thôn/ấp nào sau tiêu đề", file)
	}
	return hs, lines, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s dòng %d: lỗi định dạng CSV (%v); hãy sửa dòng này, không dòng nào được nhập", file, pe.Line, pe.Err)
	}
	return fmt.Errorf("đọc %s: %w", file, err)
}
