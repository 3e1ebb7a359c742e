package schedule

import (
	"context"
	"errors"
	"maps"

	"github.com/loaxa/loaxa/notices"
)

// A commune whose urgent deliveries wait to be reconciled (left 'sending'
// by a crash, or by a lost answer, and not yet old enough to be looked
// for in their groups' histories) is claimed urgent only until they are
// read: its OA's budget (its own low limit, and the app's) goes to those
// reads and to sending the warning again, not to its ordinary backlog.
// The hold lasts only while the rows wait for their settle time or are
// being read; one whose history could not be read, or that is not proven
// either way, does not hold anything up.

// holdOrdinary replaces the set of communes claimed urgent only.
func (d *dispatcher) holdOrdinary(communes map[int64]bool) {
	d.mu.Lock()
	d.urgentWait = communes
	d.mu.Unlock()
	d.poke() // a released commune may have ordinary work due
}

// ordinaryHeld returns those of ids that are claimed urgent only.
func (d *dispatcher) ordinaryHeld(ids []int64) map[int64]bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	var held map[int64]bool
	for _, id := range ids {
		if d.urgentWait[id] {
			if held == nil {
				held = map[int64]bool{}
			}
			held[id] = true
		}
	}
	return held
}

// writeClaim is write, claiming the communes whose urgent deliveries wait
// to be reconciled urgent only: first the urgent rows of every commune,
// then, with the room left, the rest of the others'. Two transactions
// only while such a hold lasts; one otherwise.
func (d *dispatcher) writeClaim(ctx context.Context, batch []result, c notices.Claim) ([]notices.Delivery, error) {
	if c.Limit <= 0 || c.MaxRank == notices.RankUrgent || c.Communes == nil {
		return d.write(ctx, batch, c)
	}
	held := d.ordinaryHeld(c.Communes)
	if len(held) == 0 {
		return d.write(ctx, batch, c)
	}
	urgent := c
	urgent.MaxRank = notices.RankUrgent
	jobs, err := d.write(ctx, batch, urgent)
	if err != nil || len(jobs) >= c.Limit {
		return jobs, err
	}
	rest := c
	rest.Limit -= len(jobs)
	rest.Communes = make([]int64, 0, len(c.Communes))
	for _, id := range c.Communes {
		if !held[id] {
			rest.Communes = append(rest.Communes, id)
		}
	}
	if len(rest.Communes) == 0 {
		return jobs, nil
	}
	if c.PerCommune != nil { // what the urgent claim took counts against each commune's cap
		rest.PerCommune = maps.Clone(c.PerCommune)
		for _, j := range jobs {
			if n, ok := rest.PerCommune[j.CommuneID]; ok {
				rest.PerCommune[j.CommuneID] = n - 1
			}
		}
		kept := rest.Communes[:0]
		for _, id := range rest.Communes {
			if n, ok := rest.PerCommune[id]; !ok || n > 0 {
				kept = append(kept, id)
			}
		}
		if rest.Communes = kept; len(kept) == 0 {
			return jobs, nil
		}
	}
	more, err2 := d.write(ctx, nil, rest)
	return append(jobs, more...), errors.Join(err, err2)
}
