package notices

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestPasswordChecksWaitForASlot: with every hashing slot taken, a sign-in
// does not run bcrypt; it waits, and gives up with its request.
func TestPasswordChecksWaitForASlot(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "loaxa.db"), Options{PasswordCost: bcrypt.MinCost, Hashers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if cap(s.hashers) != 2 {
		t.Fatalf("hashing slots = %d; want 2", cap(s.hashers))
	}
	u := &User{Username: "lan", Role: RoleEditor}
	if err := s.CreateUser(ctx, "test", u, "mưa chiều nay to"); err != nil {
		t.Fatal(err)
	}
	s.hashers <- struct{}{}
	s.hashers <- struct{}{}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.Authenticate(short, "lan", "mưa chiều nay to"); !errors.Is(err, ErrBusy) {
		t.Errorf("Authenticate with every slot taken = %v; want ErrBusy", err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Authenticate(ctx, "lan", "mưa chiều nay to"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("Authenticate ran with every slot taken: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	<-s.hashers
	if err := <-done; err != nil {
		t.Errorf("Authenticate once a slot is free = %v", err)
	}
	<-s.hashers
}
