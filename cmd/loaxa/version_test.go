package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

func TestVersionStampedAtBuild(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "loaxa")
	ld := "-X main.version=9.8.7 -X main.commit=0123456789abcdef0123 -X main.buildDate=2026-12-01T10:00:00Z"
	if out, err := exec.Command("go", "build", "-ldflags", ld, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var b buildInfo
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	if b.Version != "9.8.7" || b.Commit != "0123456789abcdef0123" || b.Date != "2026-12-01T10:00:00Z" || b.Modified {
		t.Errorf("version --json = %+v; want the stamped values", b)
	}
	out, err = exec.Command(bin, "--version").Output()
	if got, want := strings.TrimSpace(string(out)), "loaxa 9.8.7 (0123456789ab, 2026-12-01)"; err != nil || got != want {
		t.Errorf("loaxa --version = %q, %v; want %q", got, err, want)
	}
}

func TestVersionFromToolchainWhenNotStamped(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/loaxa/loaxa", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "fedcba9876543210fedcba9876543210fedcba98"},
			{Key: "vcs.time", Value: "2026-11-30T08:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		}}
	b := combineBuild("", "", "", info)
	if b.Version != "dev" || b.Commit != "fedcba9876543210fedcba9876543210fedcba98" || b.Date != "2026-11-30T08:00:00Z" || !b.Modified {
		t.Errorf("unstamped build = %+v; want dev with the VCS commit, time and modified", b)
	}
	if got, want := b.String(), "dev (fedcba987654+sửa đổi, 2026-11-30)"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	// A module version (go install …@v1.2.3) is used when not stamped.
	info.Main.Version = "v1.2.3"
	if b := combineBuild("", "", "", info); b.Version != "v1.2.3" {
		t.Errorf("version = %q; want the module's v1.2.3", b.Version)
	}
	// Stamped values win, and a stamped commit is not "modified".
	b = combineBuild("2.0.0", "abc", "2026-12-01T00:00:00Z", info)
	if b.Version != "2.0.0" || b.Commit != "abc" || b.Date != "2026-12-01T00:00:00Z" || b.Modified {
		t.Errorf("stamped build = %+v; want the stamped values", b)
	}
	if b := combineBuild("", "", "", nil); b.String() != "dev" {
		t.Errorf("no build info = %q; want dev", b.String())
	}
}

func TestVersionInHealthzLogAndFooter(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	base, log, _ := c.serve()
	want := currentBuild().String()
	first, _, _ := strings.Cut(log.String(), "\n")
	if !strings.Contains(first, `"version":"`+want+`"`) || !strings.Contains(first, "starting loaxa") {
		t.Errorf("first log line lacks the version %q:\n%s", want, first)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Version string `json:"version"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if h.Version != want {
		t.Errorf("/healthz version = %q; want %q", h.Version, want)
	}
	// The footer is for staff: signed in, the dashboard shows it; the
	// public page does not.
	c.ok("user", "add", "--name", "quantri", "--role", "admin", "--password-file", writeFile(t, "pw", "mat-khau-dai-du-12"))
	jar := newJar(t)
	cl := &http.Client{Jar: jar}
	page := login(t, cl, base, "quantri", "mat-khau-dai-du-12")
	if !strings.Contains(page, `<footer class="foot">Loa xã `+want+`</footer>`) {
		t.Errorf("the dashboard has no version footer:\n%s", tail(page, 400))
	}
	resp, err = http.Get(base + "/public")
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(pub), "foot") {
		t.Errorf("the public page shows the version footer")
	}
}

func newJar(t testing.TB) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// login signs in through the login form and returns the page it lands on.
func login(t testing.TB, cl *http.Client, base, user, password string) string {
	t.Helper()
	resp, err := cl.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token on the login page:\n%s", body)
	}
	resp, err = cl.PostForm(base+"/login", url.Values{"csrf_token": {string(m[1])}, "username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(body)
}
