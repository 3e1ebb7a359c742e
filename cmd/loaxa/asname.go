package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/loaxa/loaxa/notices"
)

// checkApproverName refuses an --as NAME given to approve or reject that
// names no account while the database has accounts: the store checks a
// named account's role and commune, and a mistyped name ("ph.duyt") would
// otherwise pass both checks and be recorded as the approver. Left out,
// --as is "cli", the operator at the shell, as before.
func checkApproverName(ctx context.Context, f *flags, s *notices.Store, name string) error {
	if !f.given("as") || name == "cli" {
		return nil
	}
	if _, err := s.UserByName(ctx, name); err == nil || !errors.Is(err, notices.ErrNotFound) {
		return err
	}
	us, err := s.Users(ctx)
	if err != nil || len(us) == 0 {
		return err
	}
	return fmt.Errorf("không có tài khoản %q: --as phải là tên đăng nhập của người duyệt (xem bằng loaxa user list)", name)
}

// selfApproval says approver wrote notice id: the refusal LOAXA_SELF_APPROVE
// lifts, and the only one whose hint names it.
func selfApproval(ctx context.Context, s *notices.Store, id int64, approver string) bool {
	n, err := s.Notice(ctx, id)
	return err == nil && n.Author == approver
}
