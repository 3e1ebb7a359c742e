package notices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// One daemon per database. Two daemons on one file would both claim and
// send, and race to rotate Zalo's single-use refresh token. `loaxa serve`
// and `loaxa demo` take an exclusive flock on the file beside the database
// (InstanceLockPath) and write who they are into it; the kernel drops the
// lock when the holder exits or is killed, so a crash never blocks the next
// start. The file itself stays (removing it would race with a new holder).

// InstanceHolder says which process holds, or last held, the guard.
type InstanceHolder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"`
	Command string    `json:"command"` // "serve" or "demo"
}

// InstanceLock is the held guard. Close releases it.
type InstanceLock struct {
	f  *os.File
	db *os.File // the database file itself, flocked too
}

// InstanceLockedError is LockInstance's answer when another process holds
// the guard. Holder is what that process wrote (zero if it could not be
// read yet).
type InstanceLockedError struct {
	Path   string
	Holder InstanceHolder
	// DatabaseHeld: the lock file was free but the database file itself
	// is held (the lock file was deleted while its holder ran).
	DatabaseHeld bool
}

func (e *InstanceLockedError) Error() string {
	h := e.Holder
	if e.DatabaseHeld && h.PID == 0 {
		return fmt.Sprintf("another loaxa holds the database file itself (its lock file %s was removed, or it was started under another name)", e.Path)
	}
	if h.PID == 0 {
		return fmt.Sprintf("another loaxa holds %s", e.Path)
	}
	return fmt.Sprintf("another loaxa %s holds %s: pid %d on %s since %s", h.Command, e.Path, h.PID, h.Host,
		h.Since.Format(time.RFC3339))
}

// InstanceLockPath is the guard's file for the database at dbPath.
func InstanceLockPath(dbPath string) string { return lockBase(dbPath) + ".lock" }

// lockBase is the database's real path, so that two processes reaching it
// through different links still lock the same file.
func lockBase(dbPath string) string {
	if p, err := filepath.EvalSymlinks(dbPath); err == nil {
		return p
	}
	// Not created yet: resolve its folder, as EvalSymlinks will once it is.
	dir, file := filepath.Split(dbPath)
	if dir == "" {
		dir = "."
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(d, file)
	}
	return dbPath
}

// LockInstance takes the single-instance guard of the database at dbPath
// for command, or returns *InstanceLockedError naming the holder.
func LockInstance(dbPath, command string, now time.Time) (*InstanceLock, error) {
	path := InstanceLockPath(dbPath)
	f, err := lockFile(context.Background(), path, 0)
	if errors.Is(err, errLockHeld) {
		return nil, &InstanceLockedError{Path: path, Holder: readHolder(path)}
	}
	if err != nil {
		return nil, err
	}
	// The lock file sits beside one name of the database. The database
	// file itself is flocked too, so that a lock file deleted while its
	// holder runs (a "stale lock" tidied away) lets no second daemon in;
	// and a database with several names (hard links), whose lock files
	// would be several, is refused.
	real := lockBase(dbPath)
	if n, err := linkCount(real); err == nil && n > 1 {
		f.Close()
		return nil, fmt.Errorf("the database file %s has %d names (hard links): loaxa's locks beside it could not keep two daemons apart; use one name (a symbolic link is fine)", real, n)
	}
	db, err := lockFile(context.Background(), real, 0)
	if errors.Is(err, errLockHeld) {
		f.Close()
		return nil, &InstanceLockedError{Path: path, Holder: readHolder(path), DatabaseHeld: true}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(InstanceHolder{PID: os.Getpid(), Host: host, Since: now.UTC().Truncate(time.Second), Command: command})
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(b, '\n'), 0)
	}
	if err != nil {
		f.Close()
		db.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &InstanceLock{f: f, db: db}, nil
}

// Close releases the guard.
func (l *InstanceLock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	if l.db != nil {
		l.db.Close()
	}
	l.f, l.db = nil, nil
	return err
}

// readHolder reads what the holder wrote. A holder that has just taken the
// lock may not have written yet: try for a short while.
func readHolder(path string) InstanceHolder {
	var h InstanceHolder
	for range 25 {
		if f, err := os.Open(path); err == nil {
			b, _ := io.ReadAll(io.LimitReader(f, 4096))
			f.Close()
			if json.Unmarshal(b, &h) == nil && h.PID != 0 {
				return h
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return InstanceHolder{}
}

// InstanceLockHolder reports whether a daemon holds the guard of the
// database at dbPath now, and who holds it or held it last (zero if
// nobody ever did). It is for diagnostics (`loaxa doctor`); it takes
// nothing.
func InstanceLockHolder(dbPath string) (h InstanceHolder, held bool, err error) {
	path := InstanceLockPath(dbPath)
	held, err = lockHeld(path)
	if err != nil {
		return InstanceHolder{}, false, err
	}
	if !held { // a holder whose lock file was removed still holds the database file
		if held, err = lockHeld(lockBase(dbPath)); err != nil {
			return InstanceHolder{}, false, err
		}
	}
	b, rerr := os.ReadFile(path)
	if rerr == nil {
		_ = json.Unmarshal(b, &h)
	}
	return h, held, nil
}
