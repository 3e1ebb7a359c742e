package notices_test

import (
	"testing"

	"github.com/loaxa/loaxa/notices"
)

func TestStatusText(t *testing.T) {
	for _, c := range []struct {
		st   notices.Status
		t    notices.Tally
		want string
	}{
		{notices.StatusDone, notices.Tally{Reached: 3}, "đã gửi xong"},
		{notices.StatusApproved, notices.Tally{}, "đã duyệt"},
		{notices.StatusApproved, notices.Tally{Left: 1}, "đang gửi"},
		{notices.StatusApproved, notices.Tally{Reached: 6, Left: 1}, "đang gửi"},
		{notices.StatusApproved, notices.Tally{Reached: 2}, "đã duyệt"}, // a recurring notice between runs
		{notices.StatusCancelled, notices.Tally{Left: 1}, "đã hủy"},
		{notices.StatusApproved, notices.Tally{Failed: 1, Reached: 1, Left: 1}, "đang gửi, 1 ấp lỗi"},
		{notices.StatusApproved, notices.Tally{Failed: 1, Reached: 2}, "đã gửi, 1 ấp lỗi"},
		{notices.StatusApproved, notices.Tally{Failed: 2}, "chưa gửi được, 2 ấp lỗi"},
		{notices.StatusDone, notices.Tally{Failed: 1}, "chưa gửi được, 1 ấp lỗi"},
		{notices.StatusDone, notices.Tally{Failed: 1, Reached: 4}, "đã gửi, 1 ấp lỗi"},
		{notices.StatusCancelled, notices.Tally{Failed: 1}, "đã hủy, 1 ấp lỗi"},
	} {
		if got := notices.StatusText(c.st, c.t); got != c.want {
			t.Errorf("StatusText(%s, %+v) = %q; want %q", c.st, c.t, got, c.want)
		}
	}
}
