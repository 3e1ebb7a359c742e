package web_test

import (
	"strings"
	"testing"
)

// TestNoBaseURLAdviceNamesTheCommune: without LOAXA_BASE_URL, reached
// through a proxy, /zalo cannot start the OAuth flow and says to run the
// command instead: `loaxa zalo connect` with one commune, with --commune
// once there are several (without it the command is a usage error), and
// with --redirect-uri, which the command needs without LOAXA_BASE_URL (F1).
func TestNoBaseURLAdviceNamesTheCommune(t *testing.T) {
	one := newSite(t, behindProxy)
	b := one.behind("198.51.100.7")
	b.login("quantri")
	_, page := b.get("/zalo")
	if !strings.Contains(page, "LOAXA_BASE_URL") || !strings.Contains(page, "«loaxa zalo connect --redirect-uri URL»") {
		t.Errorf("one commune's /zalo without a base URL lacks «loaxa zalo connect --redirect-uri URL»:\n%s", page)
	}

	p := newProvince(t, behindProxy)
	b = p.behind("198.51.100.7")
	b.login("tinh-quantri")
	_, page = b.get("/zalo")
	if !strings.Contains(page, "LOAXA_BASE_URL") || !strings.Contains(page, "«loaxa zalo connect --commune MÃ_XÃ --redirect-uri URL»") ||
		strings.Contains(page, "«loaxa zalo connect»") {
		t.Errorf("the province's /zalo without a base URL does not say to connect with --commune:\n%s", page)
	}
}
