package web_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	dashPendingRe = regexp.MustCompile(`Chờ duyệt \((\d+)\)`)
	listTotalRe   = regexp.MustCompile(`trong (\d+) thông báo`)
)

// pendingCounts reads the dashboard's «Chờ duyệt (N)» and the total of
// /notices?status=pending, with that list's page.
func pendingCounts(t *testing.T, b *browser) (dash, list int, page string) {
	t.Helper()
	m := dashPendingRe.FindStringSubmatch(b.mustGet("/dashboard"))
	if m == nil {
		t.Fatal("the dashboard has no «Chờ duyệt (N)»")
	}
	dash, _ = strconv.Atoi(m[1])
	page = b.mustGet("/notices?status=pending")
	if m := listTotalRe.FindStringSubmatch(page); m != nil {
		list, _ = strconv.Atoi(m[1])
	}
	return dash, list, page
}

// TestPendingQueueIsWhatOneCanApprove: the approval queue, on the
// dashboard and at /notices?status=pending, is one rule: a commune's
// staff see their commune's pending notices, never the province's (only a
// province approver approves those), and the two counts agree; the
// province's notices aimed at the commune stay in its other lists,
// read-only (probe6 F20).
func TestPendingQueueIsWhatOneCanApprove(t *testing.T) {
	p := newProvince(t)
	province := []string{"Tin cả tỉnh", "Tin tỉnh cho xã B", "Tin tỉnh cho hai ấp"}
	for _, c := range []struct {
		user, xa  string // xa: the commune a province account picked
		want, not []string
	}{
		{"b-duyet", "", []string{"Tin riêng xã B"}, append(province, "Tin riêng xã A")},
		{"b-bien", "", []string{"Tin riêng xã B"}, append(province, "Tin riêng xã A")},
		{"duyet", "", []string{"Tin riêng xã A"}, append(province, "Tin riêng xã B")},
		{"tinh-duyet", "", append(province, "Tin riêng xã A", "Tin riêng xã B"), nil},
		{"tinh-duyet", "xa-b", []string{"Tin riêng xã B", "Tin cả tỉnh", "Tin tỉnh cho xã B", "Tin tỉnh cho hai ấp"},
			[]string{"Tin riêng xã A"}},
	} {
		b := p.signedIn(c.user)
		if c.xa != "" {
			if resp, body := b.post("/scope", url.Values{"xa": {c.xa}, "back": {"/dashboard"}}); resp.StatusCode != 303 {
				t.Fatalf("POST /scope: %d\n%s", resp.StatusCode, body)
			}
		}
		dash, list, page := pendingCounts(t, b)
		if dash != len(c.want) || list != len(c.want) {
			t.Errorf("%s (xa %q): dashboard «Chờ duyệt (%d)», pending list %d; want both %d", c.user, c.xa, dash, list, len(c.want))
		}
		for _, s := range c.want {
			if !strings.Contains(page, s) {
				t.Errorf("%s (xa %q): the pending list lacks %q", c.user, c.xa, s)
			}
		}
		for _, s := range c.not {
			if strings.Contains(page, s) {
				t.Errorf("%s (xa %q): the pending list shows %q, which they cannot approve", c.user, c.xa, s)
			}
		}
	}
	// Still seen, read-only, in the commune's unfiltered list.
	if body := p.signedIn("b-duyet").mustGet("/notices"); !strings.Contains(body, "Tin tỉnh cho xã B") {
		t.Error("b-duyet's /notices no longer shows the province notice aimed at commune B")
	}
}
