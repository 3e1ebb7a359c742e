package schedule

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// recordGather is how long the dispatcher waits for more outcomes to commit
// with the first: a commit costs about as much as the rows it writes.
// claimGather is that wait while there is a backlog: the outcomes wait for
// the batch's room they free, so that they commit with the claim of the
// next batch, one transaction per batch (BenchmarkFanout10k: with 2 ms,
// two of every three transactions recorded ~20 outcomes and claimed
// nothing). Either way an outcome is committed within that time of its
// call, or sooner.
const (
	recordGather = 2 * time.Millisecond
	claimGather  = 20 * time.Millisecond
)

// attachmentLife is how long an uploaded image is reused: Zalo forgets
// assets after about 7 days (-100).
const attachmentLife = 6 * 24 * time.Hour

// dispatcher claims due deliveries and sends them with bounded concurrency.
// Every claim is committed ('sending') before its call, and every outcome is
// recorded after it; a row whose outcome is unknown stays 'sending' until
// the reconciler has looked at the group's history. The Runner only starts
// it (run), pokes it and stops it (closing run's stop).
type dispatcher struct {
	cfg dispatchConfig
	dispatchDeps
	wake    chan struct{} // something may have become claimable
	results chan result

	mu       sync.Mutex
	pauseTil time.Time // after -32: nobody claims until then
	rlStreak int       // consecutive -32 answers, for the pause length
	uploads  map[int64]*sync.Mutex
	// An image uploaded through one OA is that OA's alone, so each
	// commune uploads its own image of a province notice, kept here by
	// occurrence and commune (a restart uploads again: an upload sends
	// nothing to a group).
	attached map[[2]int64]attached
	// After a -32 of one OA's own limit, that commune alone is not claimed
	// until then (commune id → time).
	oaPause map[int64]time.Time
	// batch is the claim batch (batchFor the sender's rate); heldBy counts
	// each commune's claimed rows whose outcome is not committed yet.
	batch  int
	heldBy map[int64]int
	// urgentWait holds the communes claimed urgent only while urgent rows
	// of theirs wait to be reconciled (urgenthold.go).
	urgentWait map[int64]bool
	turns      *groupTurns // one group's sends one at a time, in claim order
}

type attached struct {
	id string
	at time.Time
}

type result struct {
	notices.Result
	job   notices.Delivery
	took  time.Duration
	ended time.Time // when the call to Zalo ended, at the dispatcher's clock
	err   error
}

func newDispatcher(cfg dispatchConfig, deps dispatchDeps) (*dispatcher, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Queue == nil || deps.Senders == nil || deps.Now == nil || deps.Claims == nil || deps.Flight == nil ||
		deps.Recorded == nil || deps.Settle == nil {
		return nil, errors.New("dispatcher: a dependency is missing")
	}
	return &dispatcher{
		cfg:          cfg,
		dispatchDeps: deps,
		wake:         make(chan struct{}, 1),
		results:      make(chan result, claimRoom(deps.Flight.workers(), claimBatch)),
		uploads:      map[int64]*sync.Mutex{},
		attached:     map[[2]int64]attached{},
		oaPause:      map[int64]time.Time{},
		batch:        batchFor(deps.Senders.RatePerMin()),
		heldBy:       map[int64]int{},
		turns:        newGroupTurns(),
	}, nil
}

func (d *dispatcher) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// claimable reports whether sending may go on now, and if not, until when
// it is held (zero: until the connection is repaired).
func (d *dispatcher) claimable(ctx context.Context, now time.Time) (bool, time.Time) {
	d.mu.Lock()
	until := d.pauseTil
	d.mu.Unlock()
	if now.Before(until) {
		return false, until
	}
	// Each commune's OA on its own: look for new tokens of those that are
	// disconnected (`loaxa zalo connect` or the admin site may have stored
	// them); the claim takes only the communes that can send.
	cs := d.Senders.Communes()
	for _, c := range cs {
		if !c.Sender.Health().Connected {
			_ = c.Sender.Reload(ctx)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.connected(now, cs)) > 0 {
		return true, time.Time{}
	}
	// None can send: until the first OA's own pause ends, or (zero) until
	// a connection is repaired or a commune is picked up.
	var first time.Time
	for _, c := range cs {
		if t := d.oaPause[c.ID]; now.Before(t) && c.Sender.Health().Connected && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return false, first
}

// run is the claim loop, and the one writer of the send path: each
// transaction records the outcomes that have arrived and claims the next
// batch (Store.RecordAndClaim), one commit where there were two. It
// returns when stop is closed, after every in-flight send has finished and
// been recorded. Sends run on work, which the runner cancels only when a
// graceful stop overruns its deadline.
func (d *dispatcher) run(work context.Context, stop <-chan struct{}) {
	// Up to the in-flight target of sends are on the wire, one per
	// worker (inflight.go), and up to two batches of claimed rows wait in
	// the queue for their turn (held counts both, until their outcome is
	// committed). Claims are made a batch at a time, when a batch's worth
	// of room is free: a claim transaction per send cost more than the
	// send (BenchmarkFanout10k), and this way the next batch is ready
	// before the queue runs dry. The workers live as long as the loop: a
	// goroutine per delivery grew its stack anew for every send.
	workers := d.Flight.workers()
	queue := make(chan notices.Delivery, claimRoom(workers, claimBatch))
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				// Worker i sends only while i is under the target; once
				// stop is closed it goes on, to give back what is queued.
				d.Flight.wait(i, stop)
				j, ok := <-queue
				if !ok {
					return
				}
				// One group's deliveries one at a time, in claim order
				// (groupturns.go): this worker sends j and then whatever
				// of its group was parked behind it.
				// Its turn ends before its outcome is handed over, so that
				// the row is out of its group's line before it can be
				// recorded and claimed again.
				for ok = d.turns.arrive(j); ok; {
					res := d.sendInTurn(work, stop, j)
					var next notices.Delivery
					next, ok = d.turns.done(j)
					// Never blocks: results holds room for every claimed row.
					d.results <- res
					j = next
				}
			}
		}()
	}
	held := 0 // claimed rows whose outcome is not committed yet
	// dry: the last claim found fewer rows than it had room for, so free
	// room alone is no reason to write before the gathering time is up.
	dry := false
	var batch []result
	timer := time.NewTimer(0)
	defer timer.Stop()
	gather := time.NewTimer(0)
	defer gather.Stop()
	finish := func() {
		close(queue) // the workers give back what is still queued
		go func() {
			wg.Wait()
			close(d.results)
		}()
		for res := range d.results {
			batch = append(batch, res)
			if len(batch) >= d.batch {
				d.write(work, batch, notices.Claim{})
				batch = batch[:0]
			}
		}
		d.write(work, batch, notices.Claim{})
	}
	for {
		select {
		case <-stop: // checked before each claim: a busy loop stops claiming too
			finish()
			return
		default:
		}
		batch = d.take(batch)
		now := d.Now()
		free := d.claimFree(held - len(batch))
		if free < d.batch {
			free = 0 // claims are made a batch at a time
		}
		wait, c := d.nextClaim(work, now, free)
		if len(batch) > 0 || c.Limit > 0 {
			jobs, _ := d.writeClaim(work, batch, c)
			held += len(jobs) - len(batch)
			batch = batch[:0]
			d.turns.enqueue(jobs)
			for _, j := range jobs {
				queue <- j // never blocks: each queued row holds room
			}
			if c.Limit > 0 && len(jobs) == c.Limit {
				dry = false
				continue // there may be more: claim as room frees up
			}
			dry = dry || c.Limit > 0
			if c.Limit > 0 {
				// Sleep until the next retry falls due; rows due already
				// but not claimable (a later part, quiet hours) wait for
				// a poke or an outcome.
				if next, err := d.Queue.NextAttempt(work, now); err == nil && next.After(now) {
					wait = min(wait, next.Sub(now)+5*time.Millisecond)
				}
			}
		}
		timer.Reset(max(wait, time.Millisecond))
		select {
		case <-stop:
			finish()
			return
		case res := <-d.results:
			// Outcomes commit together: wait a little for more, or until
			// they free a batch's room for the claim that goes with them.
			batch = append(batch, res)
			if dry {
				gather.Reset(recordGather)
			} else {
				gather.Reset(claimGather)
			}
		more:
			for len(batch) < d.batch && (dry || d.claimFree(held-len(batch)) < d.batch) {
				select {
				case res := <-d.results:
					batch = append(batch, res)
				case <-gather.C:
					break more
				case <-stop:
					break more
				}
			}
			if !gather.Stop() {
				select {
				case <-gather.C:
				default:
				}
			}
		case <-d.wake:
			dry = false
		case <-timer.C:
			dry = false
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// take adds to batch the outcomes that have arrived, without waiting.
func (d *dispatcher) take(batch []result) []result {
	for len(batch) < cap(d.results) {
		select {
		case res := <-d.results:
			batch = append(batch, res)
		default:
			return batch
		}
	}
	return batch
}

// nextClaim says what to claim now, up to limit rows: nothing while
// sending is paused or disconnected; and how long the loop may sleep if
// nothing else happens.
func (d *dispatcher) nextClaim(ctx context.Context, now time.Time, limit int) (time.Duration, notices.Claim) {
	// Idle, the loop sleeps until the next retry falls due, quiet hours
	// end, or something pokes it (a poll cycle, an outcome); it does not
	// take the write lock to find nothing.
	wait := fullCycle
	if ok, until := d.claimable(ctx, now); !ok {
		wait = d.cfg.PollInterval // disconnected: look for new tokens
		if !until.IsZero() {
			wait = until.Sub(now)
		}
		return wait, notices.Claim{}
	}
	if limit <= 0 || ctx.Err() != nil {
		return wait, notices.Claim{}
	}
	c := notices.Claim{Now: now, Limit: limit, MaxRank: d.cfg.Quiet.MaxRank(now)}
	// Only the communes that can send, taking turns when there are
	// several, each with a low limit of its own OA claimed no faster than
	// that OA can send.
	cs := d.Senders.Communes()
	d.mu.Lock()
	c.Communes, c.PerCommune = d.withRoom(d.connected(now, cs))
	c.Fair = len(cs) > 1
	d.mu.Unlock()
	if d.cfg.Quiet.Contains(now) {
		wait = d.cfg.Quiet.After(now).Sub(now) // urgent only until then
	}
	return wait, c
}

// write records batch and claims c in one transaction, and returns the
// claimed rows, committed 'sending' and noted in flight. If that
// transaction fails, the outcomes are recorded on their own, and the claim
// made on its own, so that one bad outcome does not stop the claims.
// Outcomes are written even while stopping; their rows stay 'sending' for
// the reconciler if they cannot be, and nothing is lost or sent twice. The
// error is the first of the failures, already logged.
func (d *dispatcher) write(ctx context.Context, batch []result, c notices.Claim) ([]notices.Delivery, error) {
	rows := make([]notices.Result, len(batch))
	for i, b := range batch {
		rows[i] = b.Result
	}
	store := context.WithoutCancel(ctx)
	jobs, err := d.Queue.RecordAndClaim(store, rows, c)
	recErr, claimErr := err, err
	if err != nil && len(rows) > 0 && c.Limit > 0 {
		recErr = d.Queue.Record(store, rows)
		jobs, claimErr = d.Queue.RecordAndClaim(store, nil, c)
	}
	if len(rows) == 0 {
		recErr = nil
	} else if recErr != nil {
		d.Log.Error().Err(recErr).Int("count", len(rows)).Msg("record delivery outcomes")
	}
	if c.Limit == 0 {
		claimErr = nil
	} else if claimErr != nil {
		d.Log.Error().Err(claimErr).Msg("claim deliveries")
	}
	done := make([]int64, len(batch))
	var lost map[int64]time.Time
	for i, b := range batch {
		done[i] = b.job.ID
		if at, ok := d.settleAt(b); ok {
			if lost == nil {
				lost = map[int64]time.Time{}
			}
			lost[b.job.ID] = at
		}
	}
	claimed := make([]int64, len(jobs))
	d.mu.Lock()
	if d.heldBy == nil {
		d.heldBy = map[int64]int{}
	}
	for i, j := range jobs {
		claimed[i] = j.ID
		d.heldBy[j.CommuneID]++
	}
	for _, b := range batch {
		if d.heldBy[b.job.CommuneID]--; d.heldBy[b.job.CommuneID] <= 0 {
			delete(d.heldBy, b.job.CommuneID)
		}
	}
	d.mu.Unlock()
	d.Claims.update(claimed, done, lost)
	for _, at := range lost {
		d.Settle(at)
	}
	if len(batch) > 0 {
		d.Recorded(store, batch, recErr == nil)
	}
	return jobs, errors.Join(recErr, claimErr)
}

// settleAt says when a send whose outcome is unknown may be looked for in
// its group's history: AnswerSettle after the call ended (a broken
// connection or an unreadable answer), ReconcileAfter after it timed out;
// both count from the end of the call, not from the claim.
func (d *dispatcher) settleAt(b result) (time.Time, bool) {
	if b.Status != notices.DeliverySending {
		return time.Time{}, false
	}
	wait := d.cfg.AnswerSettle
	var te *bot.TransportError
	if errors.As(b.err, &te) && te.Timeout {
		wait = d.cfg.ReconcileAfter
	}
	return b.ended.Add(wait), true
}
