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
)

var hamletFlags = map[string]string{"name": "--name", "code": "--code", "group_id": "--group-id"}

func hamletAdd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa hamlet add", "--name TÊN --group-id MÃ_NHÓM [--code MÃ]",
		"Thêm một thôn/ấp và nhóm Zalo của nó. Mã (--code) mặc định là tên bỏ dấu, ví dụ \"Khóm 1\" → khom-1.")
	name := f.String("name", "", "tên thôn/ấp, ví dụ \"Khóm 1\"")
	group := f.String("group-id", "", "mã nhóm Zalo (group_id) của thôn/ấp")
	code := f.String("code", "", "mã ngắn, chữ thường không dấu (mặc định: từ tên)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	s, _, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	h := notices.Hamlet{Name: *name, GroupID: *group, Code: *code}
	if err := s.CreateHamlet(ctx, "cli", &h); err != nil {
		return explain(err, hamletFlags)
	}
	fmt.Fprintf(e.stdout, "Đã thêm %s (mã %s, nhóm %s).\n", h.Name, h.Code, h.GroupID)
	return nil
}

func hamletList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa hamlet list", "", "Liệt kê các thôn/ấp, cả những thôn/ấp đã tắt.")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	s, _, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	hs, err := s.Hamlets(ctx)
	if err != nil {
		return err
	}
	if len(hs) == 0 {
		fmt.Fprintln(e.stdout, "Chưa có thôn/ấp nào; thêm bằng loaxa hamlet add hoặc loaxa hamlet import.")
		return nil
	}
	widths := []int{20, 30, 24}
	row(e.stdout, widths, "MÃ", "TÊN", "NHÓM ZALO", "TRẠNG THÁI")
	for _, h := range hs {
		state := "đang hoạt động"
		if !h.Active {
			state = "đã tắt"
		}
		row(e.stdout, widths, h.Code, h.Name, h.GroupID, state)
	}
	return nil
}

func hamletImport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa hamlet import", "TỆP.csv",
		"Nhập thôn/ấp từ tệp CSV có dòng tiêu đề code,name,group_id (mã có thể để trống: lấy từ tên).\n"+
			"Tất cả hoặc không gì cả: một dòng sai thì không dòng nào được nhập.")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	file := pos[0]
	in, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("không mở được tệp %s: %v", file, errors.Unwrap(err))
	}
	defer in.Close()
	hs, lines, err := readHamletCSV(file, in)
	if err != nil {
		return err
	}
	s, _, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.ImportHamlets(ctx, "cli", hs); err != nil {
		var re *notices.RowError
		if errors.As(err, &re) {
			return fmt.Errorf("%s dòng %d: %v Không dòng nào được nhập.", file, lines[re.Row], explain(re.Err, map[string]string{}))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Đã nhập %d thôn/ấp từ %s.\n", len(hs), file)
	return nil
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
