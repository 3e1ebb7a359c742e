//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package notices

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

var errLockHeld = errors.New("lock held by another process")

// lockFile on a system without flock(2) only opens the file: there is no
// single-instance guard and no cross-process token lock here.
func lockFile(ctx context.Context, path string, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	return f, nil
}

func lockHeld(path string) (bool, error) { return false, nil }

func linkCount(path string) (int, error) { return 1, nil }
