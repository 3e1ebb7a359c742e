//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package notices

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// errLockHeld is returned by lockFile when another open file holds the lock.
var errLockHeld = errors.New("lock held by another process")

// lockFile opens path (creating it, mode 0600) and takes an exclusive
// flock(2) on it. With wait 0 it tries once; otherwise it polls until the
// lock is free, wait has passed or ctx is done, and then returns
// errLockHeld. The kernel releases the lock when the file is closed or the
// process dies, even by SIGKILL, so a crash never leaves it held.
//
// flock locks belong to the open file, not the process: two opens in one
// process exclude each other too, which keeps in-process tests honest.
func lockFile(ctx context.Context, path string, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	deadline := time.Now().Add(wait)
	pause := 2 * time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			f.Close()
			return nil, errLockHeld
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("wait for %s: %w", path, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, 10*time.Millisecond)
	}
}

// lockHeld reports whether another open file holds path's lock, without
// keeping it. A missing file is not held.
func lockHeld(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open lock file %s: %w", path, err)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return false, nil // closing the file releases it
	case errors.Is(err, syscall.EWOULDBLOCK):
		return true, nil
	}
	return false, fmt.Errorf("lock %s: %w", path, err)
}

// linkCount is how many names (hard links) the file at path has; 0 when it
// does not exist.
func linkCount(path string) (int, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return 0, nil
		}
		return 0, err
	}
	return int(st.Nlink), nil
}
