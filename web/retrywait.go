package web

import (
	"time"

	"github.com/loaxa/loaxa/notices"
)

// withRetryWait is a status label for notice n that has a message waiting
// to be sent again at at (zero: none): an approved notice then reads
// «chờ gửi lại lúc …», not only «đã duyệt», as in the CLI.
func withRetryWait(label string, n *notices.Notice, failed int, at time.Time, loc *time.Location) string {
	if at.IsZero() || n.Status != notices.StatusApproved {
		return label
	}
	if failed > 0 {
		return label + "; " + notices.RetryWaitText(at, loc)
	}
	return notices.RetryWaitText(at, loc)
}
