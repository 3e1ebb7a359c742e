package schedule

import (
	"context"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// bulletins handles the newest bulletin slot at or before now, if it has not
// been handled: each hamlet gets one "📰 BẢN TIN" gathering every low notice
// that became due for it up to the slot; a hamlet with nothing gets nothing.
// It returns the next slot after now.
func (r *Runner) bulletins(ctx context.Context, now time.Time) (time.Time, error) {
	next := r.nextSlot(now)
	slot := r.lastSlot(now)
	if slot.IsZero() {
		return next, nil
	}
	done, err := r.store.LastBulletinSlot(ctx)
	if err != nil || !slot.After(done) {
		return next, err
	}
	held, err := r.store.HeldOccurrences(ctx, slot)
	if err != nil {
		return next, err
	}
	hamlets, err := r.activeHamlets(ctx)
	if err != nil {
		return next, err
	}
	type gathered struct {
		target notices.Target
		items  []*notices.Notice
		occs   []int64
	}
	per := map[int64]*gathered{}
	var order []int64
	var ids []int64
	for _, h := range held {
		ids = append(ids, h.OccurrenceID)
		n := h.Notice
		if !notices.StillSendable(n, slot) {
			continue // withdrawn or expired while waiting: it leaves the queue unsent
		}
		for _, t := range targets(n, hamlets) {
			g := per[t.HamletID]
			if g == nil {
				g = &gathered{target: t}
				per[t.HamletID] = g
				order = append(order, t.HamletID)
			}
			g.items = append(g.items, n)
			g.occs = append(g.occs, h.OccurrenceID)
		}
	}
	notBefore := r.cfg.QuietHours.After(maxTime(slot, now))
	var plans []notices.BulletinPlan
	for _, hid := range order {
		g := per[hid]
		plans = append(plans, notices.BulletinPlan{
			Target:      g.target,
			Occurrences: g.occs,
			Parts:       notices.RenderBulletin(g.items, slot, r.renderOptions(hamlets.communeFooter(g.target.CommuneID, r.cfg), nil)),
			NotBefore:   notBefore,
		})
	}
	if err := r.store.MaterialiseBulletins(ctx, slot, plans, ids); err != nil {
		return next, err
	}
	ts := make([]notices.Target, 0, len(plans))
	for _, p := range plans {
		ts = append(ts, p.Target)
	}
	r.facts.sentTo(ts)
	if len(plans) > 0 {
		r.log.Info().Time("slot", slot).Int("hamlets", len(plans)).Int("notices", len(ids)).Msg("bulletins materialised")
	}
	return next, nil
}

// lastSlot is the newest bulletin slot at or before now, within two days.
func (r *Runner) lastSlot(now time.Time) time.Time { return r.rules().LastBulletin(now) }

// nextSlot is the first bulletin slot after now.
func (r *Runner) nextSlot(now time.Time) time.Time { return r.rules().NextBulletin(now) }
