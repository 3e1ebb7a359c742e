package bot

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RefreshTokenLife is how long Zalo keeps a refresh token valid after
// issuing it: three months (zalo-oa-api.md §1). Each refresh issues a new one.
const RefreshTokenLife = 90 * 24 * time.Hour

// RateLimitSeen is what Zalo's X-RateLimit-Limit and X-RateLimit-Remain
// headers said on the latest answer that carried them (zalo-oa-api.md §7):
// the limit that applies to this app and OA, and what is left of it.
type RateLimitSeen struct {
	Limit  int
	Remain int
	At     time.Time
}

// RateLimitSeen returns the latest rate-limit headers, and false when no
// answer has carried them yet.
func (c *Client) RateLimitSeen() (RateLimitSeen, bool) {
	p := c.rateSeen.Load()
	if p == nil {
		return RateLimitSeen{}, false
	}
	return *p, true
}

func (c *Client) noteRateHeaders(h http.Header) {
	limit, err1 := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Limit")))
	remain, err2 := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Remain")))
	if err1 != nil || err2 != nil {
		return
	}
	c.rateSeen.Store(&RateLimitSeen{Limit: limit, Remain: remain, At: c.now()})
}

// AssetExpiry is the moment the group's package ends: the end of the last
// valid day (in Vietnam) when Zalo gives a date, as documented (§12), or the
// instant it gives as epoch time. It reads AssetValidThrough with
// ParseValidThrough; ok is false when that is empty or unreadable.
func (d GroupDetail) AssetExpiry() (t time.Time, ok bool) {
	t = ParseValidThrough(d.AssetValidThrough)
	if t.IsZero() {
		return t, false
	}
	if _, err := strconv.ParseInt(strings.TrimSpace(d.AssetValidThrough), 10, 64); err != nil {
		t = t.AddDate(0, 0, 1).Add(-time.Second) // a date: valid through its last second
	}
	return t, true
}
