package main

import (
	"strings"
	"testing"
)

// TestConfigRefusesOpenMetricsAndBaseURLCredentials: a blank
// LOAXA_METRICS_TOKEN (or token file) would leave /metrics open while the
// operator believes it guarded; a base URL with user:password would put
// them in every link. Both are refused at start-up, naming the variable.
func TestConfigRefusesOpenMetricsAndBaseURLCredentials(t *testing.T) {
	blank := writeFile(t, "blank", " \n\t\n")
	for _, env := range []map[string]string{
		{"LOAXA_METRICS_TOKEN": " "},
		{"LOAXA_METRICS_TOKEN": "\t"},
		{"LOAXA_METRICS_TOKEN_FILE": blank},
		{"LOAXA_BASE_URL": "https://admin:matkhau@loa.xaanphu.gov.vn"},
		{"LOAXA_BASE_URL": "https://admin@loa.xaanphu.gov.vn"},
	} {
		_, err := loadConfig(func(k string) string { return env[k] })
		var name string
		for k := range env {
			name = strings.TrimSuffix(k, "_FILE")
		}
		if err == nil {
			t.Errorf("loadConfig(%q) = nil error; want a refusal", env)
			continue
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("loadConfig(%q) error %q does not name %s", env, err, name)
		}
		if strings.Contains(err.Error(), "matkhau") {
			t.Errorf("the refusal repeats the password: %q", err)
		}
	}
	// Unset, the token is simply not required.
	if cfg, err := loadConfig(func(string) string { return "" }); err != nil || cfg.MetricsToken != "" {
		t.Errorf("no token: %+v, %v", cfg.MetricsToken, err)
	}
}
