package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// simPatch changes a simulated group through the inspection API over HTTP.
func simPatch(t *testing.T, sim *zalosimtest.Server, groupID, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, sim.URL+"/_sim/groups/"+groupID, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH /_sim/groups/%s %s = %d", groupID, body, resp.StatusCode)
	}
}

// staffSite signs in to the admin site at base and returns a getter of its
// pages.
func staffSite(t *testing.T, base, user, pass string) func(path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	form := url.Values{"username": {user}, "password": {pass}}
	if m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(get("/login")); m != nil {
		form.Set("csrf_token", m[1])
	}
	resp, err := c.PostForm(base+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if page := get("/"); !strings.Contains(page, "Tổng quan") {
		t.Fatalf("sign-in as %s failed: %.300s", user, page)
	}
	return get
}

type healthGroups struct {
	Status   string   `json:"status"`
	Problems []string `json:"problems"`
	Groups   []struct {
		Kind    string    `json:"kind"`
		Hamlet  string    `json:"hamlet"`
		Commune string    `json:"commune"`
		LastDay time.Time `json:"package_last_day"`
		Message string    `json:"message"`
	} `json:"groups"`
}

func getHealth(t *testing.T, base string) healthGroups {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h healthGroups
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestGroupChecksThroughCLIAndDaemon (issue 11): with the simulator over
// HTTP, a made-up group id and a disabled group are refused at `hamlet
// add`; hamlet list shows members and the package's end; a package ending
// in 3 days raises the alarm on the dashboard and in /healthz; the notice
// page says how many groups and members it reached; and a group disabled
// later turns its hamlet's deliveries into one clear failure.
func TestGroupChecksThroughCLIAndDaemon(t *testing.T) {
	sim := zalosimtest.New(t)
	g := sim.Groups()
	c := simCLI(t, sim)
	_, _, stop := c.serve() // stores the refresh token
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	_, errOut, code := c.run("", "hamlet", "add", "--name", "Ấp Ma", "--group-id", "98765432109876543210")
	if code != 1 || !strings.Contains(errOut, "98765432109876543210") || !strings.Contains(errOut, "-403") ||
		!strings.Contains(errOut, "hamlet sync") {
		t.Errorf("hamlet add of a made-up group: exit %d, %q; want 1, the group id, -403 and what to do", code, errOut)
	}
	simPatch(t, sim, g[2].ID, `{"disabled":true}`)
	if _, errOut, code := c.run("", "hamlet", "add", "--name", "Ấp Tắt", "--group-id", g[2].ID); code != 1 ||
		!strings.Contains(errOut, g[2].ID) || !strings.Contains(errOut, "đang bị tắt") {
		t.Errorf("hamlet add of a disabled group: exit %d, %q; want 1, refused", code, errOut)
	}
	csv := writeFile(t, "hamlets.csv", "code,name,group_id\n,Khóm 1,"+g[0].ID+"\n,Ấp Ma,11112222333344445555\n,Ấp Tắt,"+g[2].ID+"\n")
	if _, errOut, code := c.run("", "hamlet", "import", csv); code != 1 || !strings.Contains(errOut, "dòng 3 (Ấp Ma)") ||
		!strings.Contains(errOut, "dòng 4 (Ấp Tắt)") || strings.Contains(errOut, "dòng 2") || !strings.Contains(errOut, "không dòng nào được nhập") {
		t.Errorf("hamlet import with two bad groups: exit %d, %q; want 1 naming lines 3 and 4, nothing imported", code, errOut)
	}
	if n := c.counts()["hamlets"]; n != 0 {
		t.Errorf("%d hamlets after the refusals; want 0", n)
	}

	simPatch(t, sim, g[0].ID, `{"total_member":31,"max_member":100}`)
	simPatch(t, sim, g[1].ID, `{"total_member":12,"max_member":50,"valid_days":3,"auto_renew":false}`)
	if out := c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", g[0].ID); !strings.Contains(out, "31/100 thành viên") {
		t.Errorf("hamlet add = %q; want the members Zalo counts", out)
	}
	c.ok("hamlet", "add", "--name", "Khóm 2", "--group-id", g[1].ID)
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	n := time.Now().In(hcm)
	in3 := time.Date(n.Year(), n.Month(), n.Day()+3, 0, 0, 0, 0, hcm).Format("02/01/2006")
	list := c.ok("hamlet", "list")
	for _, want := range []string{"THÀNH VIÊN", "31/100", "12/50", in3, "gói sắp hết hạn (còn 3 ngày)"} {
		if !strings.Contains(list, want) {
			t.Errorf("hamlet list lacks %q:\n%s", want, list)
		}
	}

	pw := writeFile(t, "pw", "mat-khau-rat-dai-123\n")
	c.ok("user", "add", "--name", "quantri", "--role", "admin", "--password-file", pw)
	c.ok("notice", "add", "--title", "Họp dân", "--body", "Mời bà con dự họp lúc 19 giờ.", "--approve")
	base, log, stop := c.serve()
	defer stop()
	waitFor(t, "the notice in both groups", func() bool { return len(countText(sim, "Họp dân")) == 2 })
	simPatch(t, sim, g[0].ID, `{"total_member":80}`) // joins after the send do not change what it reached
	page := staffSite(t, base, "quantri", "mat-khau-rat-dai-123")
	waitFor(t, "the notice page's reach", func() bool {
		return strings.Contains(page("/notices/1"), "Đã đến 2 nhóm, khoảng 43 thành viên")
	})
	if show := c.ok("notice", "show", "1"); !strings.Contains(show, "Đã đến 2 nhóm, khoảng 43 thành viên") {
		t.Errorf("notice show lacks the reach:\n%s", show)
	}
	if dash := page("/"); !strings.Contains(dash, "Nhóm Zalo cần xử lý") || !strings.Contains(dash, in3+" (còn 3 ngày)") ||
		!strings.Contains(dash, "gia hạn") {
		t.Errorf("the dashboard lacks the package alarm with its date and the step to renew")
	}
	if hp := page("/hamlets"); !strings.Contains(hp, "31/100") || !strings.Contains(hp, in3) {
		t.Errorf("/hamlets lacks the members or the package's end")
	}
	h := getHealth(t, base)
	if h.Status != "degraded" || len(h.Groups) != 1 || h.Groups[0].Kind != "expiring" || h.Groups[0].Hamlet != "khom-2" ||
		h.Groups[0].LastDay.In(hcm).Format("02/01/2006") != in3 || !strings.Contains(strings.Join(h.Problems, " "), in3) {
		t.Errorf("/healthz = %+v; want degraded by khom-2's package ending %s", h, in3)
	}

	// The package of Khóm 1's group lapses: its deliveries fail once, with
	// the reason and the step, and are not retried.
	simPatch(t, sim, g[0].ID, `{"valid_days":-1,"auto_renew":false}`) // ended yesterday: Zalo disables the group
	c.ok("notice", "add", "--title", "Lần hai", "--body", "Sau khi nhóm bị tắt.", "--approve")
	waitFor(t, "the second notice in Khóm 2", func() bool { return len(countText(sim, "Lần hai")) == 1 })
	var show string
	waitFor(t, "Khóm 1's delivery failed", func() bool {
		show = c.ok("notice", "show", "2")
		return strings.Contains(show, "gửi lỗi")
	})
	if !strings.Contains(show, "gói GMF hết hạn") || !strings.Contains(show, "gia hạn gói nhóm") {
		t.Errorf("notice show = %s; want the reason and the step to renew", show)
	}
	waitFor(t, "the disabled alarm", func() bool {
		for _, a := range getHealth(t, base).Groups {
			if a.Hamlet == "khom-1" && a.Kind == "disabled" {
				return true
			}
		}
		return false
	})
	time.Sleep(300 * time.Millisecond) // several poll intervals: a retry would show
	if strings.Count(log.String(), `"outcome":"failed"`) != 1 || strings.Contains(log.String(), `"outcome":"retry"`) {
		t.Errorf("want one failed attempt and no retry; log:\n%s", grepLines(log.String(), "outcome"))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if list := c.ok("hamlet", "list"); !strings.Contains(list, "nhóm bị tắt, không gửi được") {
		t.Errorf("hamlet list after the failed send lacks the disabled mark:\n%s", list)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return fmt.Sprint(strings.Join(out, "\n"))
}

// TestHamletAddWhenZaloIsUnreachable: with Zalo down, hamlet add and import
// go through, marked "chưa kiểm tra" with the reason, shown by hamlet list.
func TestHamletAddWhenZaloIsUnreachable(t *testing.T) {
	sim := zalosimtest.New(t)
	g := sim.Groups()
	c := simCLI(t, sim)
	_, _, stop := c.serve()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	sim.HTTP.Close()
	if out := c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", g[0].ID); !strings.Contains(out, "chưa kiểm tra được nhóm "+g[0].ID) {
		t.Errorf("hamlet add with Zalo down = %q; want the unchecked note", out)
	}
	csv := writeFile(t, "h.csv", "code,name,group_id\n,Khóm 2,"+g[1].ID+"\n,Khóm 3,"+g[2].ID+"\n")
	if out := c.ok("hamlet", "import", csv); !strings.Contains(out, "2 nhóm chưa kiểm tra") {
		t.Errorf("hamlet import with Zalo down = %q; want the unchecked note", out)
	}
	list := c.ok("hamlet", "list")
	if n := strings.Count(list, "chưa kiểm tra được (lần thử lúc "); n != 3 {
		t.Errorf("hamlet list shows %d unchecked groups with a reason; want 3:\n%s", n, list)
	}
}
