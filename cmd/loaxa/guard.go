package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// guardInstance takes the single-instance guard of cfg.DB for command
// (`serve` or `demo`): one daemon per database. A second one is refused with
// one line naming the first, and exits 1. The caller keeps the lock until
// it exits; the kernel releases it if the process is killed.
func guardInstance(cfg Config, command string) (*notices.InstanceLock, error) {
	l, err := notices.LockInstance(cfg.DB, command, time.Now())
	var held *notices.InstanceLockedError
	switch {
	case errors.As(err, &held):
		h := held.Holder
		if h.PID == 0 {
			why := "giữ khóa " + held.Path
			if held.DatabaseHeld {
				why = "giữ chính tệp cơ sở dữ liệu; tệp khóa " + held.Path + " đã bị xóa, hoặc nó chạy dưới một đường dẫn khác"
			}
			return nil, fmt.Errorf("một tiến trình loaxa khác đang chạy với cơ sở dữ liệu %s (%s); "+
				"mỗi cơ sở dữ liệu chỉ một tiến trình gửi tin: dừng tiến trình đó trước", cfg.DB, why)
		}
		return nil, fmt.Errorf("loaxa %s đang chạy với cơ sở dữ liệu %s: pid %d trên máy %s, từ %s; "+
			"mỗi cơ sở dữ liệu chỉ một tiến trình gửi tin: dừng tiến trình đó trước (hoặc dùng --db khác)",
			h.Command, cfg.DB, h.PID, h.Host, h.Since.In(cfg.Location).Format("15:04:05 02/01/2006"))
	case err != nil:
		return nil, fmt.Errorf("single-instance guard of %s: %w", cfg.DB, err)
	}
	return l, nil
}
