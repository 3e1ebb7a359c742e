package web_test

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
)

// A corrected and then withdrawn notice says so on its public page and in
// the feed, with links to the follow-ups; they link back to it. A
// follow-up that has not gone out yet marks nothing.
func TestPublicMarksCorrectionsAndWithdrawals(t *testing.T) {
	s := newSite(t, func(c *web.Config) { c.BaseURL = "https://loaxa.example.vn" })
	orig := s.notice(notices.Notice{Title: "Cắt điện ngày 28/11", Body: "Từ 7h đến 11h.", Author: "tacgia",
		Status: notices.StatusApproved})
	s.send(orig.ID, notices.DeliverySent, notices.DeliverySent)
	page := "/public/notices/" + strconv.FormatInt(orig.ID, 10)
	b := s.browser()

	// A withdrawal still waiting for approval is not news yet.
	pending := s.notice(notices.Notice{Title: "Hủy lịch cắt điện", Kind: notices.KindCancel, RefersTo: orig.ID, Author: "tacgia"})
	if _, body := b.get(page); strings.Contains(body, "đã bị hủy") || strings.Contains(body, "đã được đính chính") {
		t.Errorf("the original is marked before any follow-up went out:\n%s", body)
	}

	s.clock.Add(time.Hour)
	upd := s.notice(notices.Notice{Title: "Đổi giờ cắt điện", Body: "Từ 8h đến 12h.", Kind: notices.KindUpdate,
		RefersTo: orig.ID, Author: "tacgia", Status: notices.StatusApproved})
	s.send(upd.ID, notices.DeliverySent, notices.DeliverySent)
	_, body := b.get(page)
	if !strings.Contains(body, "Thông báo này đã được đính chính.") ||
		!strings.Contains(body, `href="/public/notices/`+strconv.FormatInt(upd.ID, 10)+`"`) {
		t.Errorf("the corrected original lacks its mark or the link to the correction:\n%s", body)
	}
	if strings.Contains(body, "đã bị hủy") {
		t.Errorf("the original reads as withdrawn while only a correction went out")
	}
	_, body = b.get("/public/notices/" + strconv.FormatInt(upd.ID, 10))
	if !strings.Contains(body, "Đính chính cho thông báo") || !strings.Contains(body, `href="`+page+`"`) {
		t.Errorf("the correction does not link back to the original:\n%s", body)
	}

	s.clock.Add(time.Hour)
	if err := s.store.ApproveNotice(t.Context(), pending.ID, "duyet", false); err != nil {
		t.Fatal(err)
	}
	s.send(pending.ID, notices.DeliverySent, notices.DeliverySent)
	_, body = b.get(page)
	if !strings.Contains(body, "Thông báo này đã bị hủy.") ||
		!strings.Contains(body, `href="/public/notices/`+strconv.FormatInt(pending.ID, 10)+`"`) {
		t.Errorf("the withdrawn original lacks its mark or the link to the withdrawal:\n%s", body)
	}
	if i, j := strings.Index(body, "đã bị hủy"), strings.Index(body, "Từ 7h đến 11h."); i < 0 || j < 0 || i > j {
		t.Errorf("the withdrawal mark is not above the text (at %d, text at %d)", i, j)
	}
	_, body = b.get("/public/notices/" + strconv.FormatInt(pending.ID, 10))
	if !strings.Contains(body, "Hủy thông báo") || !strings.Contains(body, `href="`+page+`"`) {
		t.Errorf("the withdrawal does not link back to the original:\n%s", body)
	}
	// The list carries the same marks.
	if _, body = b.get("/public"); !strings.Contains(body, "Thông báo này đã bị hủy.") {
		t.Errorf("/public does not mark the withdrawn notice")
	}

	// The feed: the original's entry is marked, links to both follow-ups,
	// and has changed when the withdrawal went out.
	_, body = b.get("/public/feed.atom")
	var f struct {
		Entries []struct {
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Content string `xml:"content"`
			Link    struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range f.Entries {
		switch e.Link.Href {
		case "https://loaxa.example.vn" + page:
			found++
			if !strings.HasPrefix(e.Title, "[ĐÃ BỊ HỦY] ") || !strings.Contains(e.Content, "Thông báo này đã bị hủy.") ||
				!strings.Contains(e.Content, "https://loaxa.example.vn/public/notices/"+strconv.FormatInt(pending.ID, 10)) ||
				!strings.Contains(e.Content, "https://loaxa.example.vn/public/notices/"+strconv.FormatInt(upd.ID, 10)) {
				t.Errorf("feed entry of the withdrawn original = %q / %q", e.Title, e.Content)
			}
			if want := s.clock.Now().UTC().Format(time.RFC3339); e.Updated != want {
				t.Errorf("the withdrawn original's entry updated %s; want %s, when the withdrawal went out", e.Updated, want)
			}
		case "https://loaxa.example.vn/public/notices/" + strconv.FormatInt(pending.ID, 10):
			found++
			if !strings.Contains(e.Content, "Hủy thông báo «Cắt điện ngày 28/11» https://loaxa.example.vn"+page) {
				t.Errorf("feed entry of the withdrawal does not name its original: %q", e.Content)
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of the 2 entries in the feed:\n%s", found, body)
	}
}
