package notices

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The Zalo token refresh lock. Zalo's refresh token is single-use, and every
// process on the database may refresh it: the daemon, and CLI commands that
// call Zalo (`zalo status`, `hamlet sync`). A refresher holds this lock from
// re-reading the stored pair until the rotated pair is committed, so a
// second process waits, then finds the new pair and uses it instead of
// sending the spent token again.
//
// Why a file lock and not SQLite's write lock (BEGIN IMMEDIATE): the lock is
// held across an HTTP call to Zalo, up to the client's timeout (20 s). Held
// as the database's write lock, it would stop every writer of every process
// for that long: the daemon's one connection (claims, outcomes, the poll
// loop), the admin site, other programs' INSERTs, which give up after
// busy_timeout (5 s) with "database is locked". It could not be one
// transaction either: the refresh mark must be committed before the request
// leaves, and the new pair committed (on its own connection) after. A
// flock on a file of its own excludes only refreshers, and the kernel drops
// it when its holder dies, even by SIGKILL.

// ZaloRefreshLockWait bounds how long a refresher waits for another
// process's refresh: longer than one refresh can take (the HTTP timeout,
// the mark and the save).
const ZaloRefreshLockWait = 45 * time.Second

// ErrZaloRefreshBusy means another process held the refresh lock for longer
// than ZaloRefreshLockWait.
var ErrZaloRefreshBusy = errors.New("another loaxa process is refreshing the Zalo token and has not finished")

// ZaloRefreshLockPath is the refresh lock's file for the database at dbPath.
func ZaloRefreshLockPath(dbPath string) string { return lockBase(dbPath) + ".token-lock" }

// LockZaloRefresh takes the cross-process Zalo token refresh lock, waiting
// at most ZaloRefreshLockWait (or until ctx is done). It implements the bot
// package's TokenStore.LockZaloRefresh; call unlock when the new pair is stored.
func (s *Store) LockZaloRefresh(ctx context.Context) (unlock func(), err error) {
	path := ZaloRefreshLockPath(s.path)
	// Beside one name of the database: with two names (hard links) there
	// would be two locks, and two refreshes could spend one token.
	if n, err := linkCount(lockBase(s.path)); err == nil && n > 1 {
		return nil, fmt.Errorf("lock zalo token refresh: the database file %s has %d names (hard links), so the refresh lock beside it cannot keep processes apart; use one name (a symbolic link is fine)", lockBase(s.path), n)
	}
	f, err := lockFile(ctx, path, ZaloRefreshLockWait)
	if errors.Is(err, errLockHeld) {
		return nil, fmt.Errorf("lock zalo token refresh: %w (%s held for over %s)", ErrZaloRefreshBusy, path, ZaloRefreshLockWait)
	}
	if err != nil {
		return nil, fmt.Errorf("lock zalo token refresh: %w", err)
	}
	return func() { f.Close() }, nil
}
