package schedule

import (
	"context"
	"sync"
)

// communeWatch is the communes table as the routing last followed it.
type communeWatch struct {
	mu       sync.Mutex
	version  string           // notices.Store.CommunesVersion at the last Sync
	again    bool             // the last Sync put a change off: sync on the next cycle
	unrouted map[int64]string // active communes with no Sender → why
	disabled map[int64]bool   // inactive communes already named in the log
}

// syncCommunes brings the routing up to date with the communes table when
// it changed since the last look (a commune added, enabled, disabled, its
// code or rate limit changed while the daemon runs): a cheap fingerprint
// each poll cycle, the table and the Sync only after a change. It logs
// once each commune that is disabled with deliveries still queued, and
// each active commune it cannot send for.
func (r *Runner) syncCommunes(ctx context.Context) {
	w := &r.communes
	v, err := r.store.CommunesVersion(ctx)
	if err != nil {
		r.log.Warn().Err(err).Msg("look for changes of the communes")
		return
	}
	w.mu.Lock()
	same := v == w.version && !w.again
	w.mu.Unlock()
	if same {
		return
	}
	cs, err := r.store.Communes(ctx)
	if err != nil {
		r.log.Warn().Err(err).Msg("read the communes")
		return
	}
	unrouted, again := r.senders.Sync(ctx, cs)
	w.mu.Lock()
	old, seen := w.unrouted, w.disabled
	w.version, w.again, w.unrouted = v, again, unrouted
	if w.disabled == nil {
		w.disabled, seen = map[int64]bool{}, map[int64]bool{}
	}
	w.mu.Unlock()
	for _, c := range cs {
		if why, ok := unrouted[c.ID]; ok && old[c.ID] != why {
			r.log.Error().Str("commune", c.Code).Str("reason", why).
				Msg("this commune's deliveries are not sent and wait in the queue")
		}
	}
	var depth map[int64]int
	for _, c := range cs {
		if c.Active || seen[c.ID] {
			continue
		}
		if depth == nil {
			if depth, err = r.store.QueueDepthByCommune(ctx); err != nil {
				r.log.Warn().Err(err).Msg("count the queue by commune")
				return
			}
		}
		if n := depth[c.ID]; n > 0 {
			r.log.Warn().Str("commune", c.Code).Int("queued", n).
				Msg("commune disabled with deliveries still queued: they are not sent until it is enabled again (loaxa commune enable " + c.Code + ")")
		}
	}
	w.mu.Lock()
	next := map[int64]bool{}
	for _, c := range cs {
		if !c.Active {
			next[c.ID] = true
		}
	}
	w.disabled = next
	w.mu.Unlock()
}
