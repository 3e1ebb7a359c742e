package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// Actions within the same second read in the order they were done: the
// timeline follows the log's own order, not a time rounded to the second.
func TestTimelineSameSecondInOrder(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	n := s.notice(notices.Notice{Title: "Họp dân", Author: "bien", Status: notices.StatusDraft, Priority: notices.Normal})
	n.Title = "Họp dân tổ 3"
	if err := s.store.UpdateNotice(ctx, n, "bien", true); err != nil {
		t.Fatal(err)
	}
	if err := s.store.SubmitNotice(ctx, n.ID, "bien"); err != nil {
		t.Fatal(err)
	}
	if err := s.store.ApproveNotice(ctx, n.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}
	_, body := s.signedIn("duyet").get("/notices/" + itoa(n.ID))
	_, tl, _ := strings.Cut(body, "Diễn biến")
	tl, _, _ = strings.Cut(tl, "</ol>")
	last := -1
	for _, want := range []string{"Tạo bởi bien", "Sửa bởi bien", "Gửi đi chờ duyệt bởi bien", "Duyệt bởi duyet"} {
		i := strings.Index(tl, want)
		if i < 0 || i < last {
			t.Fatalf("timeline: %q missing or out of order (at %d, previous at %d):\n%s", want, i, last, tl)
		}
		last = i
	}
}
