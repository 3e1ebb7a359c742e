package schedule

import "time"

// How much the dispatcher claims ahead of its sends: a batch at a time,
// sized by the sender's rate, and for a commune whose OA has a low limit of
// its own, no faster than that OA can send.

// claimBatch is how many deliveries the dispatcher claims at a time when
// there is a backlog. Besides the sends in flight (inflight.go), up to two
// batches wait for their turn: the next batch is claimed while the one
// before is still being sent, so the workers never wait for a claim
// transaction (with room for one batch only, the queue was empty whenever
// a claim began, and the sends stalled behind it: BenchmarkFanout10k). A
// crash leaves those claimed rows in 'sending' for the reconciler, besides
// the outcomes not yet recorded; a stop gives back those whose turn has
// not come.
const claimBatch = 64

// minBatch is the smallest claim batch, for a slow sender (batchFor).
const minBatch = 2

// batchFor is the claim batch of a sender allowed perMin calls a minute
// (0 or negative: no limit): a second of its sends, from minBatch to
// claimBatch. Claimed rows wait in line for their turn, and a notice of
// another commune made meanwhile waits behind them: sized by the rate, the
// line holds a few seconds of sending. At 120 a minute two batches of 64
// were a minute's wait (the outside tester's F9).
func batchFor(perMin int) int {
	if perMin <= 0 {
		return claimBatch
	}
	return min(claimBatch, max(minBatch, (perMin+59)/60))
}

// claimRoom is how many claimed deliveries may wait for their turn, be on
// the wire or wait for their outcome's commit, with a target of conc sends
// in flight and claims of batch rows.
func claimRoom(conc, batch int) int { return conc + 2*batch }

// oaRoom is how many rows of one commune may be claimed and not yet
// recorded when its OA's own limit, perMin a minute, is below the app's:
// two seconds of its sends, at least minBatch. Its rows are claimed no
// faster than its OA lets them go, so that they do not fill the line and
// the sends in flight, waiting for their OA's turn, while other communes'
// OAs and the app's limit have room (F9).
func oaRoom(perMin int) int { return max(minBatch, (2*perMin+59)/60) }

// connected lists the communes of cs whose OA can send now: connected, and
// not held after a -32 of its own limit. The caller holds mu.
func (d *dispatcher) connected(now time.Time, cs []CommuneSender) []int64 {
	ids := make([]int64, 0, len(cs))
	for _, c := range cs {
		if c.Sender.Health().Connected && !now.Before(d.oaPause[c.ID]) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// claimFree is how many more rows may be claimed, with held rows claimed
// and not yet recorded: room for the current in-flight target and two
// batches.
func (d *dispatcher) claimFree(held int) int {
	target, _ := d.Flight.current()
	return claimRoom(min(target, d.Flight.workers()), d.batch) - held
}

// withRoom keeps of the communes ids those with room for more claims, and
// caps the claim of each whose OA's own limit is below the app's (oaRoom).
// d.mu is held.
func (d *dispatcher) withRoom(ids []int64) ([]int64, map[int64]int) {
	out := make([]int64, 0, len(ids))
	var caps map[int64]int
	app := d.Senders.RatePerMin()
	for _, id := range ids {
		s, ok := d.Senders.For(id)
		if !ok {
			continue
		}
		if r := s.RatePerMin(); r > 0 && (app <= 0 || r < app) {
			left := oaRoom(r) - d.heldBy[id]
			if left <= 0 {
				continue // its OA is busy with what it has: claim it when one is recorded
			}
			if caps == nil {
				caps = map[int64]int{}
			}
			caps[id] = left
		}
		out = append(out, id)
	}
	return out, caps
}
