package notices

import (
	"context"
	"errors"
	"runtime"

	"golang.org/x/crypto/bcrypt"
)

// Password checks are bcrypt, on purpose slow (about 50–100 ms of one CPU
// at the default cost). A burst of sign-ins, even each one refused by the
// throttle's reservation, must not pin every CPU and stall the daemon's
// sending: at most Options.Hashers checks run at once, the others wait
// their turn (or give up with their request).

// ErrBusy is returned when a password check could not start before the
// request gave up: too many were waiting.
var ErrBusy = errors.New("notices: too many password checks at once")

// hashers is the number of password checks allowed at once.
func hashers(n int) int {
	if n > 0 {
		return n
	}
	return max(1, runtime.GOMAXPROCS(0)/2)
}

// compareHash is bcrypt.CompareHashAndPassword in one of the store's
// hashing slots; it reports whether password matches hash.
func (s *Store) compareHash(ctx context.Context, hash, password []byte) (bool, error) {
	select {
	case s.hashers <- struct{}{}:
	case <-ctx.Done():
		return false, errors.Join(ErrBusy, ctx.Err())
	}
	defer func() { <-s.hashers }()
	return bcrypt.CompareHashAndPassword(hash, password) == nil, nil
}
