package main

import (
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// A flag whose value is one of a fixed set (--priority, --kind, --role,
// notice list --status) given another value is a mistake in the command
// line itself: exit status 2, as the README says, before anything is
// opened or written.

// checkPriority refuses an unknown --priority.
func checkPriority(cmd, v string) error {
	switch notices.Priority(v) {
	case notices.Urgent, notices.Normal, notices.Low:
		return nil
	}
	return enumErr(cmd, "priority", v, "urgent (khẩn), normal (thường) hoặc low (bản tin)")
}

// checkKind refuses an unknown --kind.
func checkKind(cmd, v string) error {
	switch notices.Kind(v) {
	case notices.KindNotice, notices.KindUpdate, notices.KindCancel:
		return nil
	}
	return enumErr(cmd, "kind", v, "notice (thông báo), update (đính chính) hoặc cancel (hủy)")
}

// checkRole refuses an unknown --role; an empty one is left to the
// account's own check, which says the role is missing.
func checkRole(cmd, v string) error {
	switch notices.Role(v) {
	case "", notices.RoleEditor, notices.RoleApprover, notices.RoleAdmin:
		return nil
	}
	return enumErr(cmd, "role", v, "editor (soạn), approver (duyệt) hoặc admin (quản trị)")
}

func enumErr(cmd, flag, v, choices string) error {
	return usagef("%s: --%s %q không có; hãy chọn %s", cmd, flag, strings.TrimSpace(v), choices)
}
