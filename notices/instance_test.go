package notices

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestInstanceLockRefusesASecondHolder(t *testing.T) {
	db := filepath.Join(t.TempDir(), "loaxa.db")
	since := time.Date(2026, 12, 1, 1, 2, 3, 0, time.UTC)
	first, err := LockInstance(db, "serve", since)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockInstance(db, "demo", time.Now())
	var held *InstanceLockedError
	if !errors.As(err, &held) {
		t.Fatalf("second LockInstance = %v; want *InstanceLockedError", err)
	}
	host, _ := os.Hostname()
	want := InstanceHolder{PID: os.Getpid(), Host: host, Since: since, Command: "serve"}
	if held.Holder != want {
		t.Errorf("holder = %+v; want %+v", held.Holder, want)
	}
	if h, isHeld, err := InstanceLockHolder(db); err != nil || !isHeld || h != want {
		t.Errorf("InstanceLockHolder = %+v, %v, %v; want %+v, held", h, isHeld, err, want)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if h, isHeld, err := InstanceLockHolder(db); err != nil || isHeld || h.PID != os.Getpid() {
		t.Errorf("after Close: InstanceLockHolder = %+v, held %v, %v; want the last holder, not held", h, isHeld, err)
	}
	again, err := LockInstance(db, "demo", time.Now())
	if err != nil {
		t.Fatalf("LockInstance after Close = %v", err)
	}
	defer again.Close()
	// The same database through a symbolic link is the same database.
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(db, link); err != nil {
		t.Fatal(err)
	}
	if _, err := LockInstance(link, "serve", time.Now()); !errors.As(err, &held) {
		t.Errorf("LockInstance through a symbolic link = %v; want *InstanceLockedError", err)
	}
}

func TestZaloRefreshLockExcludesAndWaits(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "loaxa.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	unlock, err := s.LockZaloRefresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.LockZaloRefresh(ctx); err == nil {
		t.Fatal("a second LockZaloRefresh got the lock while it was held")
	}
	got := make(chan error, 1)
	go func() {
		u, err := s.LockZaloRefresh(context.Background())
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("waiting LockZaloRefresh = %v; want the lock once released", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting LockZaloRefresh did not get the lock after it was released")
	}
}

// The outside probe of issue 18 got a second daemon onto one database by
// deleting the lock file ("a stale lock") and by a hard link: both are
// refused now.
func TestInstanceLockSurvivesADeletedLockFileAndRefusesHardLinks(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "loaxa.db")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	first, err := LockInstance(db, "serve", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := os.Remove(InstanceLockPath(db)); err != nil {
		t.Fatal(err)
	}
	_, err = LockInstance(db, "serve", time.Now())
	var held *InstanceLockedError
	if !errors.As(err, &held) || !held.DatabaseHeld {
		t.Errorf("LockInstance after the lock file was deleted = %v; want refused, the database file held", err)
	}
	if _, isHeld, err := InstanceLockHolder(db); err != nil || !isHeld {
		t.Errorf("InstanceLockHolder after the lock file was deleted = %v, %v; want held", isHeld, err)
	}
	first.Close()

	other := filepath.Join(dir, "ten-khac.db")
	if err := os.Link(db, other); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	if l, err := LockInstance(other, "serve", time.Now()); err == nil {
		l.Close()
		t.Errorf("LockInstance of a database with two names succeeded; want refused")
	}
}
