package notices_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// TestInstanceIsStable: the installation's UUID is made once and read back
// the same after a restart (a new Open of the same file).
func TestInstanceIsStable(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	first, err := s.Instance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(first.ID) {
		t.Errorf("instance id %q is not a version 4 UUID", first.ID)
	}
	if first.CreatedAt.IsZero() {
		t.Errorf("instance has no creation time")
	}
	again, err := s.Instance(ctx)
	if err != nil || again != first {
		t.Errorf("second call = %+v, %v; want %+v", again, err, first)
	}
	s.Close()
	s2, err := notices.Open(ctx, path, notices.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if after, err := s2.Instance(ctx); err != nil || after != first {
		t.Errorf("after reopening = %+v, %v; want %+v", after, err, first)
	}
	other, _ := openStore(t)
	if o, _ := other.Instance(ctx); o.ID == first.ID {
		t.Errorf("two databases share the instance id %s", o.ID)
	}
}
