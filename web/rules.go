package web

import (
	"net/http"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// defaultRules fills Config.Rules when the caller gave none: the design's
// defaults, in the site's zone.
func (c *Config) defaultRules() error {
	if c.Rules.Location != nil {
		return nil
	}
	q, err := notices.ParseQuietHours("21:00-06:00")
	if err != nil {
		return err
	}
	maxLate := c.Rules.MaxLateness
	if maxLate <= 0 {
		maxLate = time.Hour
	}
	c.Rules, err = notices.NewRules(c.Location, q, []string{"30 6,17 * * *"}, maxLate)
	return err
}

// nextDue is when an approved notice is next due after now, or zero.
func (s *Server) nextDue(n *notices.Notice, now time.Time) time.Time {
	return s.cfg.Rules.NextDue(n, now)
}

// countFailed fills the failed hamlets of the dashboard's lists.
func (s *Server) countFailed(r *http.Request, lists ...[]recentNotice) error {
	var ids []int64
	for _, l := range lists {
		for _, n := range l {
			ids = append(ids, n.Notice.ID)
		}
	}
	failed, err := s.store.FailedHamlets(r.Context(), ids)
	if err != nil {
		return err
	}
	for _, l := range lists {
		for i := range l {
			l[i].FailedHamlets = failed[l[i].Notice.ID]
		}
	}
	return nil
}
