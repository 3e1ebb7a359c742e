package web_test

import (
	"strings"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// A category typed as a name on the site and as a code in the CLI is one
// category: the /notices filter offers it once and finds both.
func TestNoticeFilterOneCategory(t *testing.T) {
	s := newSite(t)
	s.notice(notices.Notice{Title: "Tiêm phòng", Author: "bien", Category: "y tế"})
	s.notice(notices.Notice{Title: "Khám bệnh", Author: "bien", Category: "y-te", Source: notices.SourceCLI})
	b := s.signedIn("bien")
	_, body := b.get("/notices")
	if n := strings.Count(body, ">Y tế</option>"); n != 1 {
		t.Errorf("the filter offers «Y tế» %d times; want once", n)
	}
	_, body = b.get("/notices?category=y-te")
	if !strings.Contains(body, "Tiêm phòng") || !strings.Contains(body, "Khám bệnh") {
		t.Errorf("the category filter does not find both notices:\n%s", body)
	}
}
