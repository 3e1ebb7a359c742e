package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/web"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// newSimSite is the site on the real Zalo client and the simulator over
// HTTP, with no daemon: what the site itself sends is all that reaches the
// groups. Each simulator group is a hamlet (khom-1 …), and one more hamlet
// names a group the simulator does not have.
func newSimSite(t *testing.T) (*site, *zalosimtest.Server) {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	sim := zalosimtest.New(t)
	store, err := notices.Open(ctx, filepath.Join(t.TempDir(), "loaxa.db"),
		notices.Options{Now: clk.Now, Location: hcm, Logger: log, PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SaveZaloTokens(ctx, sim.AccessToken, sim.RefreshToken, time.Now().Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	client := bot.NewClient(bot.Config{APIBase: sim.URL, OAuthBase: sim.URL, AppID: sim.AppID, AppSecret: sim.AppSecret,
		RatePerMin: -1, Timeout: 5 * time.Second}, store, log)
	for _, u := range []notices.User{{Username: "bien", Role: notices.RoleEditor}, {Username: "quantri", Role: notices.RoleAdmin}} {
		if err := store.CreateUser(ctx, "test", &u, password); err != nil {
			t.Fatal(err)
		}
	}
	for i, g := range sim.Groups() {
		h := notices.Hamlet{Code: "khom-" + string(rune('1'+i)), Name: g.Name, GroupID: g.ID}
		if err := store.CreateHamlet(ctx, "test", &h); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.CreateHamlet(ctx, "test", &notices.Hamlet{Code: "nhom-mat", Name: "Nhóm đã mất", GroupID: "khong-co-nhom-nay"}); err != nil {
		t.Fatal(err)
	}
	s, err := web.New(web.Config{Location: hcm, Commune: "UBND xã Thử Nghiệm", Now: clk.Now}, store, client, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &site{t: t, store: store, srv: srv, clock: clk}, sim
}

// TestTestSendThroughZalo: «Gửi thử» sends the notice as the groups will
// see it, image first with the first part as its caption, to the staff test
// group only, through the Zalo client; it is audited with Zalo's message
// ids, makes no delivery, leaves the notice pending, is refused again within
// the minute, and a group Zalo refuses is reported as a failure.
func TestTestSendThroughZalo(t *testing.T) {
	s, sim := newSimSite(t)
	ctx := context.Background()
	groups := sim.Groups()
	for _, code := range []string{"khom-3", "nhom-mat"} {
		if err := s.store.SetStaffTest(ctx, code, true, "quantri"); err != nil {
			t.Fatal(err)
		}
	}
	n := s.notice(notices.Notice{Title: "Tiêm chủng tháng 12", Body: "Mang theo sổ tiêm chủng.", Author: "bien",
		Image: pngBytes(t), ImageType: "image/png", Targets: []string{"khom-1"}})
	b := s.signedIn("bien")
	_, page := b.get("/notices/" + id(n))
	if !strings.Contains(page, `<option value="khom-3">`) || strings.Contains(page, `<option value="khom-1">`) {
		t.Fatalf("the test-send choice is not the staff test groups only")
	}
	b.post("/notices/"+id(n)+"/test", url.Values{"hamlet": {"khom-3"}})
	_, page = b.get("/notices/" + id(n))
	if !strings.Contains(page, "Đã gửi thử tới nhóm") || !strings.Contains(page, "1/1 phần") {
		t.Fatalf("after the test send the page says:\n%s", page)
	}
	ms := sim.Messages(groups[2].ID)
	if len(ms) != 1 || !strings.Contains(ms[0].Text, "Tiêm chủng tháng 12") || ms[0].AttachmentID == "" && ms[0].ImageURL == "" {
		t.Fatalf("the test group received %+v; want the notice with its image", ms)
	}
	for _, g := range groups[:2] {
		if got := sim.Messages(g.ID); len(got) != 0 {
			t.Errorf("group %s received %d messages from a test send", g.ID, len(got))
		}
	}
	if hd, _ := s.store.NoticeDeliveries(ctx, n.ID); countAll(hd) != 0 {
		t.Errorf("a test send made deliveries: %+v", hd)
	}
	if got, _ := s.store.Notice(ctx, n.ID); got.Status != notices.StatusPending {
		t.Errorf("after the test send: %s", got.Status)
	}
	es, _ := s.store.Audit(ctx, notices.AuditFilter{NoticeID: n.ID, Action: "notice.test_result"})
	if len(es) != 1 || !strings.Contains(es[0].Detail, "1/1 phần tới "+groups[2].Name) || !strings.Contains(es[0].Detail, "mã tin Zalo") {
		t.Errorf("audit of the result = %+v", es)
	}

	// Again within the minute: refused, nothing sent.
	b.post("/notices/"+id(n)+"/test", url.Values{"hamlet": {"khom-3"}})
	_, page = b.get("/notices/" + id(n))
	if !strings.Contains(page, "vừa được gửi thử") || len(sim.Messages(groups[2].ID)) != 1 {
		t.Errorf("a second test send within the minute was not refused")
	}

	// A group Zalo does not know: reported as a failure, in words.
	s.clock.Add(2 * time.Minute)
	b.post("/notices/"+id(n)+"/test", url.Values{"hamlet": {"nhom-mat"}})
	_, page = b.get("/notices/" + id(n))
	if !strings.Contains(page, "không thành") || !strings.Contains(page, "0/1 phần") {
		t.Errorf("a refused test send reads:\n%s", page)
	}
	es, _ = s.store.Audit(ctx, notices.AuditFilter{NoticeID: n.ID, Action: "notice.test_result"})
	if len(es) != 2 || !strings.Contains(es[0].Detail, "lỗi") {
		t.Errorf("audit of the failed test send = %+v", es)
	}

	// Once approved, no test send.
	if err := s.store.ApproveNotice(ctx, n.ID, "quantri", false); err != nil {
		t.Fatal(err)
	}
	s.clock.Add(2 * time.Minute)
	b.post("/notices/"+id(n)+"/test", url.Values{"hamlet": {"khom-3"}})
	if _, page = b.get("/notices/" + id(n)); !strings.Contains(page, "Chỉ gửi thử được bản nháp") || len(sim.Messages(groups[2].ID)) != 1 {
		t.Errorf("an approved notice was test-sent")
	}
}
