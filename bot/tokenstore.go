package bot

import (
	"context"
	"time"
)

// TokenStore keeps the rotating token pair durably. notices.Store implements
// it; it cannot import bot, hence the plain types. Every method is
// required: each is part of what keeps a single-use refresh token from
// being spent twice or lost, and a store without one would silently lose
// that, so it does not compile. A store of one process that keeps no
// journal (a test's) says so with methods that do nothing.
type TokenStore interface {
	// LoadZaloTokens returns empty strings and a nil error when none are stored.
	LoadZaloTokens(ctx context.Context) (access, refresh string, accessExpiresAt time.Time, err error)
	// SaveZaloTokens returns once the pair is durable (committed), and
	// removes the refresh mark.
	SaveZaloTokens(ctx context.Context, access, refresh string, accessExpiresAt time.Time) error
	// ZaloTokensSavedAt is when the pair was saved (zero if not known), so
	// that the access token's lifetime is known after a restart.
	ZaloTokensSavedAt(ctx context.Context) (time.Time, error)
	RefreshJournal
	// LockZaloRefresh is the cross-process refresh lock, for a store that
	// several processes share (the daemon, and CLI commands that call
	// Zalo). A refresher holds it from re-reading the stored pair until the
	// rotated pair is stored, so that no two processes ever send the same
	// single-use refresh token: the second one waits, re-reads, and finds
	// the new pair. It waits (bounded); unlock releases it.
	LockZaloRefresh(ctx context.Context) (unlock func(), err error)
}

// RefreshJournal records a refresh request before it goes to Zalo. Zalo
// spends the refresh token when it receives the request, so a process that
// dies before storing the answer leaves a stored refresh token Zalo
// refuses; the mark says why, and the client refuses to spend the token
// while the store does not take writes (the answer could not be stored
// either).
type RefreshJournal interface {
	// BeginZaloRefresh commits the mark, keeping an earlier one, and
	// returns the earlier one's time (zero if none).
	BeginZaloRefresh(ctx context.Context) (earlier time.Time, err error)
	// EndZaloRefresh removes the mark after an answer that rotated nothing.
	// SaveZaloTokens removes it too.
	EndZaloRefresh(ctx context.Context) error
	// ZaloRefreshInterrupted returns the mark's time, zero if there is none:
	// a refresh whose answer never reached the store.
	ZaloRefreshInterrupted(ctx context.Context) (time.Time, error)
}

// TokenHealth is what /healthz and `loaxa zalo status` show.
type TokenHealth struct {
	Connected       bool
	AccessExpiresAt time.Time
	LastRefresh     time.Time
	LastError       string // never contains a token
	// Unsaved: Zalo rotated the pair and the store has not taken it yet; it
	// is held in memory only, and stopping the process now strands the OA.
	Unsaved bool
	// RefreshFailing: the latest refresh failed for a reason that does not
	// show the refresh token spent (a network error, a 5xx, a page that is
	// not Zalo's from a proxy or firewall). The pair is kept and the refresh
	// is tried again; LastError says why. Cleared by the next good refresh.
	RefreshFailing bool
	// Refused: not Connected because Zalo refused the stored refresh token,
	// or it may be spent (an interrupted refresh): the OA was connected and
	// must be connected again, and the access token cannot be renewed.
	// False for an OA never connected (no pair stored).
	Refused bool
	// Reason says what is wrong in Vietnamese, for staff (Reason of the
	// error calls get now, or of the failing refresh), with the command
	// that reconnects; "" when nothing is. LastError is the raw text, for
	// logs and technical detail.
	Reason string
}
