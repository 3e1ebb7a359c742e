package web

import (
	"net/http"
	"sort"
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
	tallies, err := s.store.Tallies(r.Context(), ids)
	if err != nil {
		return err
	}
	for _, l := range lists {
		for i := range l {
			l[i].Tally = tallies[l[i].Notice.ID]
			l[i].FailedHamlets = l[i].Tally.Failed
		}
	}
	return nil
}

// liveProgress is progressOf with each waiting hamlet's label saying until
// when it waits (notices.Rules.WaitText).
func (s *Server) liveProgress(n *notices.Notice, hds []notices.HamletDeliveries) progressNotice {
	p := progressOf(n, hds)
	now := s.now()
	for i := range hds {
		if w := s.cfg.Rules.WaitText(n, hds[i], now); w != "" && i < len(p.Hamlets) {
			p.Hamlets[i].Label = w
		}
		if i < len(p.Hamlets) && p.Hamlets[i].State == string(notices.DeliveryFailed) && !notices.StillSendable(n, now) {
			p.Hamlets[i].NoRetry = true // stopped or expired: a retry would be refused
		}
	}
	return p
}

// bulletinPreview is the bulletin a low notice will be part of: its time
// and its messages, gathering the other live low notices due for the same
// bulletin (a hamlet gets only those that concern it). Zero and nil when
// no bulletin will carry it.
func (s *Server) bulletinPreview(r *http.Request, n *notices.Notice) (time.Time, []string, error) {
	now := s.now()
	rules := s.cfg.Rules
	at := func(m *notices.Notice) time.Time {
		if m.Status == notices.StatusPending {
			cp := *m // as if approved now
			cp.Status, cp.ApprovedAt = notices.StatusApproved, now
			m = &cp
		}
		return rules.BulletinFor(m, now)
	}
	slot := at(n)
	if slot.IsZero() {
		return time.Time{}, nil, nil
	}
	live, err := s.store.LiveNotices(r.Context())
	if err != nil {
		return time.Time{}, nil, err
	}
	items := []*notices.Notice{}
	for _, m := range live {
		if m.ID != n.ID && m.Priority == notices.Low && m.Damaged == "" && at(m).Equal(slot) {
			items = append(items, m)
		}
	}
	items = append(items, n)
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	return slot, notices.RenderBulletin(items, slot, notices.RenderOptions{Commune: s.cfg.Commune, Location: s.cfg.Location}), nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// whenNote is what the compose preview adds to "when" by the daemon's
// rules: that quiet hours hold the notice to the morning, or which
// bulletin carries a low one. "" when it goes when said.
func (s *Server) whenNote(mode string, n *notices.Notice, now time.Time) string {
	rules, loc := s.cfg.Rules, s.cfg.Location
	due := now
	switch mode {
	case "at":
		if n.PublishAt.IsZero() {
			return ""
		}
		due = n.PublishAt
	case "repeat":
		if due = rules.NextDue(n, now); due.IsZero() {
			return ""
		}
	}
	at := rules.SendAt(n.Priority, due, now)
	switch {
	case n.Priority == notices.Low && !at.IsZero():
		return "; ưu tiên thấp: nằm trong bản tin " + dateVN(at, loc)
	case mode != "at" && mode != "repeat":
		return "" // sent when approved: the quiet hours then depend on when that is
	case at.After(maxTime(due, now)):
		return "; giờ yên lặng: chờ đến " + dateVN(at, loc)
	}
	return ""
}
