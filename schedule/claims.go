package schedule

import (
	"sync"
	"time"
)

// claims is what this run knows of the deliveries it claimed, shared by the
// dispatcher, which writes it, and the reconciler and the webhook, which
// must not settle a claim whose send is still going, and settle a lost
// answer only once Zalo has had time to act on the request.
type claims struct {
	mu       sync.Mutex
	inFlight map[int64]bool
	// settleAt holds this run's deliveries whose answer was lost: when
	// their call ended plus the settle wait, the earliest their group's
	// history is read for them.
	settleAt map[int64]time.Time
}

func newClaims() *claims {
	return &claims{inFlight: map[int64]bool{}, settleAt: map[int64]time.Time{}}
}

// claimed notes deliveries just claimed, and forgets as in flight those
// whose outcome was just recorded; lost maps those of them whose answer
// was lost to when they may be settled.
func (c *claims) update(claimed, done []int64, lost map[int64]time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range done {
		delete(c.inFlight, id)
	}
	for id, at := range lost {
		c.settleAt[id] = at
	}
	for _, id := range claimed {
		c.inFlight[id] = true
	}
}

// isInFlight reports whether this run's send of delivery id has not been
// recorded yet.
func (c *claims) isInFlight(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inFlight[id]
}

// busy reports whether any delivery this run claimed is not recorded yet.
func (c *claims) busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.inFlight) > 0
}

// settleTime reports when this run's delivery whose answer was lost may be
// reconciled; ok is false for a delivery this run did not send.
func (c *claims) settleTime(id int64) (t time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok = c.settleAt[id]
	return t, ok
}

// settled forgets a delivery whose outcome the reconciler decided.
func (c *claims) settled(id int64) {
	c.mu.Lock()
	delete(c.settleAt, id)
	c.mu.Unlock()
}
