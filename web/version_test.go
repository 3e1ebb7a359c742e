package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// versioned adds notice id's current version to form, as the confirmation
// page and the edit form carry it.
func (s *site) versioned(id int64, form url.Values) url.Values {
	s.t.Helper()
	n, err := s.store.Notice(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("version", n.Version())
	return form
}

var versionField = regexp.MustCompile(`name="version" value="([0-9a-f-]+)"`)

// TestApproveNeedsTheConfirmationPage: a POST to /approve with only the
// CSRF token approves nothing; the approver is sent to the confirmation
// page with the reason.
func TestApproveNeedsTheConfirmationPage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	n := s.notice(notices.Notice{Title: "Lịch tiêm chủng", Author: "tacgia"})
	ap := s.signedIn("duyet")
	resp, _ := ap.post("/notices/"+id(n)+"/approve", url.Values{})
	if got, _ := s.store.Notice(ctx, n.ID); got.Status != notices.StatusPending {
		t.Fatalf("a POST without the version approved the notice: %s", got.Status)
	}
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/notices/"+id(n)+"/approve" {
		t.Errorf("POST without version = %d to %q; want 303 to the confirmation page", resp.StatusCode, loc)
	}
	_, page := ap.get("/notices/" + id(n) + "/approve")
	if !strings.Contains(page, "việc duyệt phải được xác nhận trên trang này") {
		t.Errorf("the confirmation page does not say why nothing was approved:\n%s", page)
	}
	ver := versionField.FindStringSubmatch(page)
	if ver == nil {
		t.Fatal("no version on the confirmation page")
	}
	ap.post("/notices/"+id(n)+"/approve", url.Values{"version": {ver[1]}})
	if got, _ := s.store.Notice(ctx, n.ID); got.Status != notices.StatusApproved {
		t.Errorf("approval from the confirmation page: %s; want approved", got.Status)
	}
}

// TestStaleEditRefused: two people open the same notice's edit form; the
// second save, from the older form, is refused with who saved and when,
// and writes nothing; even within the same second.
func TestStaleEditRefused(t *testing.T) {
	for _, wait := range []time.Duration{0, 2 * time.Second} {
		t.Run(wait.String(), func(t *testing.T) {
			s := newSite(t)
			ctx := context.Background()
			n := s.notice(notices.Notice{Title: "Cắt điện", Body: "Sáng thứ Bảy.", Author: "tacgia"})
			a, b := s.signedIn("tacgia"), s.signedIn("duyet")
			_, pa := a.get("/notices/" + id(n) + "/edit")
			_, pb := b.get("/notices/" + id(n) + "/edit")
			va, vb := versionField.FindStringSubmatch(pa), versionField.FindStringSubmatch(pb)
			if va == nil || vb == nil {
				t.Fatal("the edit form carries no version")
			}
			fa := editForm("Cắt điện thứ Bảy", "Từ 7 giờ đến 11 giờ.", "submit")
			fa.Set("version", va[1])
			if resp, page := a.post("/notices/"+id(n)+"/edit", fa); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("first save = %d\n%s", resp.StatusCode, page)
			}
			s.clock.Add(wait)
			fb := editForm("Cắt điện Chủ nhật", "Từ 8 giờ.", "submit")
			fb.Set("version", vb[1])
			resp, page := b.post("/notices/"+id(n)+"/edit", fb)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "vừa được tacgia sửa lúc") ||
				!strings.Contains(page, "Hãy mở lại") {
				t.Errorf("save from the older form = %d; want 422 saying who saved it and when", resp.StatusCode)
			}
			if got, _ := s.store.Notice(ctx, n.ID); got.Title != "Cắt điện thứ Bảy" || got.Body != "Từ 7 giờ đến 11 giờ." {
				t.Errorf("the older form's save wrote: %q %q", got.Title, got.Body)
			}
			fb.Del("version")
			if resp, _ := b.post("/notices/"+id(n)+"/edit", fb); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("save without a version = %d; want 422", resp.StatusCode)
			}
			if got, _ := s.store.Notice(ctx, n.ID); got.Title != "Cắt điện thứ Bảy" {
				t.Errorf("a save without a version wrote: %q", got.Title)
			}
		})
	}
}
