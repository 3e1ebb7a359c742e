package main

import (
	"context"
	"fmt"

	"github.com/loaxa/loaxa/notices"
)

func dbMigrate(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa db migrate", "", "Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu. Mọi lệnh đều tự làm việc này; lệnh này báo đã làm gì.")
	o, err := f.prelude(ctx, args, 0, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	s := o.s
	for _, m := range s.Applied() {
		fmt.Fprintf(e.stdout, "Đã áp dụng %s.\n", m.Name)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(s.Applied()) == 0 {
		fmt.Fprintf(e.stdout, "Cơ sở dữ liệu %s đã ở phiên bản mới nhất (%d).\n", e.db, v)
		return nil
	}
	fmt.Fprintf(e.stdout, "Cơ sở dữ liệu %s giờ ở phiên bản %d.\n", e.db, v)
	return nil
}

func dbBackup(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa db backup", "TỆP",
		"Sao lưu cơ sở dữ liệu ra TỆP (chưa tồn tại) trong khi loaxa vẫn chạy, bằng API sao lưu trực tuyến của SQLite.")
	o, err := f.prelude(ctx, args, 1, nil)
	if err != nil {
		return err
	}
	defer o.Close()
	pos := o.pos
	if err := o.s.Backup(ctx, pos[0]); err != nil {
		return fmt.Errorf("không sao lưu được ra %s (%v); hãy chọn một tệp chưa có, trong thư mục ghi được", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "Đã sao lưu %s ra %s (lược đồ phiên bản %d).\n", e.db, pos[0], notices.LatestSchema())
	return nil
}
