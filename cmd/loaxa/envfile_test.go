package main

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The packaged /etc/loaxa/loaxa.env must list every variable the README's
// configuration table documents and every variable Config reads, so that
// the three cannot drift apart.

const envFile = "../../deploy/debian/loaxa.env"

// readmeVariables returns the variables of README.md's "## Configuration" table.
func readmeVariables(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Configuration\n")
	if !ok {
		t.Fatal("README.md has no \"## Configuration\" section")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	var names []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]+)` \\|").FindAllStringSubmatch(section, -1) {
		names = append(names, m[1])
	}
	if len(names) < 10 {
		t.Fatalf("found only %d variables in README.md's configuration table: %v", len(names), names)
	}
	return names
}

// envFileLines returns the env file's assignments, commented out or not,
// as name → value (quotes removed).
func envFileLines(t *testing.T) (all map[string]string, set map[string]bool) {
	t.Helper()
	f, err := os.Open(envFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	assign := regexp.MustCompile(`^(#?)([A-Z][A-Z0-9_]*)=(.*)$`)
	all, set = map[string]string{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := assign.FindStringSubmatch(line)
		if m == nil {
			if trimmed := strings.TrimSpace(line); trimmed != "" && !strings.HasPrefix(trimmed, "#") {
				t.Errorf("%s:%d: not a comment nor NAME=value: %q", envFile, n, line)
			}
			continue
		}
		v := m[3]
		if strings.ContainsAny(v, "$`\\") {
			t.Errorf("%s:%d: %s: $, ` and \\ mean different things to systemd and to sh; avoid them", envFile, n, m[2])
		}
		if strings.HasPrefix(v, `"`) {
			if len(v) < 2 || !strings.HasSuffix(v, `"`) || strings.Count(v, `"`) != 2 {
				t.Errorf("%s:%d: %s: unbalanced quotes", envFile, n, m[2])
			}
			v = strings.Trim(v, `"`)
		} else if strings.ContainsAny(v, " \t'") {
			t.Errorf("%s:%d: %s: a value with spaces must be in double quotes", envFile, n, m[2])
		}
		if _, dup := all[m[2]]; dup {
			t.Errorf("%s:%d: %s listed twice", envFile, n, m[2])
		}
		all[m[2]] = v
		set[m[2]] = m[1] == ""
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return all, set
}

func TestEnvFileListsEveryVariable(t *testing.T) {
	all, _ := envFileLines(t)
	for _, name := range readmeVariables(t) {
		if _, ok := all[name]; !ok {
			t.Errorf("%s: README.md documents %s but the env file does not list it", envFile, name)
		}
	}
	for _, v := range envVars {
		if _, ok := all[v.Name]; !ok {
			t.Errorf("%s: Config reads %s but the env file does not list it", envFile, v.Name)
		}
	}
	// Variables design.md names that are being added to Config elsewhere.
	for _, name := range []string{"LOAXA_BASE_URL", "LOAXA_TRUST_PROXY", "LOAXA_SESSION_IDLE", "LOAXA_METRICS_TOKEN"} {
		if _, ok := all[name]; !ok {
			t.Errorf("%s: does not list %s", envFile, name)
		}
	}
}

func TestEnvFileValuesAreAccepted(t *testing.T) {
	all, set := envFileLines(t)
	// As shipped: only what is set applies, with the service's database.
	shipped := map[string]string{}
	for k, v := range all {
		if set[k] {
			shipped[k] = v
		}
	}
	if shipped["LOAXA_DB"] != "/var/lib/loaxa/loaxa.db" {
		t.Errorf("the env file sets LOAXA_DB=%q; want the state directory's /var/lib/loaxa/loaxa.db", shipped["LOAXA_DB"])
	}
	if _, err := loadConfig(func(k string) string { return shipped[k] }); err != nil {
		t.Errorf("the env file as shipped is refused: %v", err)
	}
	// Every commented example, uncommented, is accepted too (secrets in files aside).
	examples := map[string]string{"ZALO_APP_ID": "1234567890", "ZALO_APP_SECRET": "secret"}
	for k, v := range all {
		if !strings.HasSuffix(k, "_FILE") && v != "" {
			examples[k] = v
		}
	}
	if _, err := loadConfig(func(k string) string { return examples[k] }); err != nil {
		t.Errorf("the env file's examples, uncommented, are refused: %v", err)
	}
}
