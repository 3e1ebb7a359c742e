package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryLinksNoTestCode: the loaxa binary carries no test scaffolding
// (zalosim's httptest server lives in zalosim/zalosimtest).
func TestBinaryLinksNoTestCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list -deps printed %d packages; want the binary's whole graph", len(deps))
	}
	for _, p := range deps {
		switch p {
		case "testing", "net/http/httptest", "github.com/loaxa/loaxa/zalosim/zalosimtest":
			t.Errorf("the loaxa binary links %s", p)
		}
	}
}
