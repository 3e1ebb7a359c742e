package schedule

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// Sender is what the dispatcher needs from the Zalo client.
type Sender interface {
	SendGroupText(ctx context.Context, groupID, text string) (messageID string, err error)
	SendGroupImage(ctx context.Context, groupID, attachmentID, caption string) (messageID string, err error)
	UploadImage(ctx context.Context, filename string, data []byte) (attachmentID string, err error)
	GroupConversationPage(ctx context.Context, groupID string, offset, count int) ([]bot.ConversationItem, error)
	Health() bot.TokenHealth
}

// claimBatch is how many deliveries the dispatcher claims at a time when
// there is a backlog. Besides the sends in flight (inflight.go), up to two
// batches wait for their turn: the next batch is claimed while the one
// before is still being sent, so the workers never wait for a claim
// transaction (with room for one batch only, the queue was empty whenever
// a claim began, and the sends stalled behind it: BenchmarkFanout10k). A
// crash leaves those claimed rows in 'sending' for the reconciler, besides
// the outcomes not yet recorded (at most the workers + claimBatch, and a
// record batch); a stop gives back those whose turn has not come.
const claimBatch = 64

// claimRoom is how many claimed deliveries may wait for their turn or be on
// the wire, with a target of conc sends in flight.
func claimRoom(conc int) int { return conc + 2*claimBatch }

// recordGather is how long the recorder waits for more outcomes to commit
// with the first: a commit costs about as much as the rows it writes.
const recordGather = 2 * time.Millisecond

// attachmentLife is how long an uploaded image is reused: Zalo forgets
// assets after about 7 days (-100).
const attachmentLife = 6 * 24 * time.Hour

// dispatcher claims due deliveries and sends them with bounded concurrency.
// Every claim is committed ('sending') before its call, and every outcome is
// recorded after it; a row whose outcome is unknown stays 'sending' until
// the reconciler has looked at the group's history.
type dispatcher struct {
	r       *Runner
	wake    chan struct{} // something may have become claimable
	results chan result
	flight  *inflight // how many sends may be on the wire

	mu       sync.Mutex
	inFlight map[int64]bool
	// settleAt holds this run's deliveries whose answer was lost: when
	// their call ended plus the settle wait, the earliest their group's
	// history is read for them.
	settleAt map[int64]time.Time
	pauseTil time.Time // after -32: nobody claims until then
	rlStreak int       // consecutive -32 answers, for the pause length
	uploads  map[int64]*sync.Mutex
}

type result struct {
	notices.Result
	job   notices.Delivery
	took  time.Duration
	ended time.Time // when the call to Zalo ended, at the runner's clock
	err   error
}

func newDispatcher(r *Runner) *dispatcher {
	flight := newInflight(r.cfg.Concurrency, r.sender)
	return &dispatcher{
		r:        r,
		wake:     make(chan struct{}, 1),
		flight:   flight,
		results:  make(chan result, claimRoom(flight.workers())),
		inFlight: map[int64]bool{},
		settleAt: map[int64]time.Time{},
		uploads:  map[int64]*sync.Mutex{},
	}
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
	if !d.r.sender.Health().Connected {
		// Tokens are loaded lazily, and new ones may have been stored by
		// `loaxa zalo connect` or the admin site: look again.
		if rl, ok := d.r.sender.(Reloader); !ok || rl.Reload(ctx) != nil {
			return false, time.Time{}
		}
	}
	return true, time.Time{}
}

// Reloader is implemented by a Sender that reads its tokens from the store.
type Reloader interface {
	Reload(ctx context.Context) error
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
	workers := d.flight.workers()
	queue := make(chan notices.Delivery, claimRoom(workers))
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				// Worker i sends only while i is under the target; once
				// stop is closed it goes on, to give back what is queued.
				d.flight.wait(i, stop)
				j, ok := <-queue
				if !ok {
					return
				}
				// Never blocks: results holds room for every claimed row.
				d.results <- d.sendInTurn(work, stop, j)
			}
		}()
	}
	held := 0
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
			if len(batch) >= claimBatch {
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
		now := d.r.now()
		wait, c := d.nextClaim(work, now, d.claimFree(held-len(batch)))
		if len(batch) > 0 || c.Limit > 0 {
			jobs := d.write(work, batch, c)
			held += len(jobs) - len(batch)
			batch = batch[:0]
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
				if next, err := d.r.store.NextAttempt(work, now); err == nil && next.After(now) {
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
			gather.Reset(recordGather)
		more:
			for len(batch) < claimBatch && (dry || d.claimFree(held-len(batch)) < claimBatch) {
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

// nextClaim says what to claim now, with free rows of room: nothing while
// sending is paused or disconnected, or with less than a batch's room; and
// how long the loop may sleep if nothing else happens.
func (d *dispatcher) nextClaim(ctx context.Context, now time.Time, free int) (time.Duration, notices.Claim) {
	// Idle, the loop sleeps until the next retry falls due, quiet hours
	// end, or something pokes it (a poll cycle, an outcome); it does not
	// take the write lock to find nothing.
	wait := fullCycle
	if ok, until := d.claimable(ctx, now); !ok {
		wait = d.r.cfg.PollInterval // disconnected: look for new tokens
		if !until.IsZero() {
			wait = until.Sub(now)
		}
		return wait, notices.Claim{}
	}
	if free < claimBatch || ctx.Err() != nil {
		return wait, notices.Claim{}
	}
	c := notices.Claim{Now: now, Limit: free, MaxRank: 2}
	if d.r.cfg.QuietHours.Contains(now, d.r.cfg.Location) {
		c.MaxRank = 0 // quiet hours: urgent only
		wait = d.r.cfg.QuietHours.After(now, d.r.cfg.Location).Sub(now)
	}
	return wait, c
}

// claimFree is how many more rows may be claimed, with held rows claimed
// and not yet recorded: room for the current in-flight target and two
// batches.
func (d *dispatcher) claimFree(held int) int {
	target, _ := d.flight.current()
	return claimRoom(min(target, d.flight.workers())) - held
}

// write records batch and claims c in one transaction, and returns the
// claimed rows, committed 'sending' and marked in flight. If that
// transaction fails, the outcomes are recorded on their own, and the claim
// made on its own, so that one bad outcome does not stop the claims.
// Outcomes are written even while stopping; their rows stay 'sending' for
// the reconciler if they cannot be, and nothing is lost or sent twice.
func (d *dispatcher) write(ctx context.Context, batch []result, c notices.Claim) []notices.Delivery {
	rows := make([]notices.Result, len(batch))
	for i, b := range batch {
		rows[i] = b.Result
	}
	store := context.WithoutCancel(ctx)
	jobs, err := d.r.store.RecordAndClaim(store, rows, c)
	recErr := err
	if err != nil && len(rows) > 0 && c.Limit > 0 {
		recErr = d.r.store.Record(store, rows)
		jobs, err = d.r.store.RecordAndClaim(store, nil, c)
	}
	if recErr != nil && len(rows) > 0 {
		d.r.log.Error().Err(recErr).Int("count", len(rows)).Msg("record delivery outcomes")
	}
	if err != nil && c.Limit > 0 {
		d.r.log.Error().Err(err).Msg("claim deliveries")
	}
	d.mu.Lock()
	for _, b := range batch {
		delete(d.inFlight, b.job.ID)
		d.noteUnknownLocked(b)
	}
	for _, j := range jobs {
		d.inFlight[j.ID] = true
	}
	d.mu.Unlock()
	for _, b := range batch {
		d.r.observe(b)
		if recErr == nil {
			d.r.noteGroupRefused(store, b)
		}
	}
	return jobs
}

func (d *dispatcher) isInFlight(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inFlight[id]
}

// noteUnknownLocked remembers when a send whose outcome is unknown may be
// looked for in its group's history: AnswerSettle after the call ended
// (a broken connection or an unreadable answer), ReconcileAfter after it
// timed out; both count from the end of the call, not from the claim, and
// the poll loop is asked for a cycle then.
func (d *dispatcher) noteUnknownLocked(b result) {
	if b.Status != notices.DeliverySending {
		return
	}
	wait := d.r.cfg.AnswerSettle
	var te *bot.TransportError
	if errors.As(b.err, &te) && te.Timeout {
		wait = d.r.cfg.ReconcileAfter
	}
	at := b.ended.Add(wait)
	d.settleAt[b.job.ID] = at
	d.r.planCycle(at)
}

// settleTime reports when this run's delivery whose answer was lost may be
// reconciled; ok is false for a delivery this run did not send.
func (d *dispatcher) settleTime(id int64) (t time.Time, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok = d.settleAt[id]
	return t, ok
}

// settled forgets a delivery whose outcome the reconciler decided.
func (d *dispatcher) settled(id int64) {
	d.mu.Lock()
	delete(d.settleAt, id)
	d.mu.Unlock()
}

// sendInTurn sends a claimed delivery, now that a worker has taken it from
// the queue. One whose turn has not come when the runner stops is given
// back unsent, as if it had not been claimed.
func (d *dispatcher) sendInTurn(ctx context.Context, stop <-chan struct{}, j notices.Delivery) result {
	select {
	case <-stop:
		return d.giveBack(j)
	default:
	}
	if ctx.Err() != nil || d.held(d.r.now()) {
		// Stopped hard, or Zalo said -32, or the connection broke, since
		// the claim.
		return d.giveBack(j)
	}
	return d.send(ctx, j)
}

// held reports whether sending is paused after -32 or disconnected.
func (d *dispatcher) held(now time.Time) bool {
	d.mu.Lock()
	until := d.pauseTil
	d.mu.Unlock()
	return now.Before(until) || !d.r.sender.Health().Connected
}

// giveBack is the outcome of a claimed delivery that was never handed to
// Zalo: queued again, without spending an attempt.
func (d *dispatcher) giveBack(j notices.Delivery) result {
	res := result{job: j}
	res.ID, res.Status, res.At, res.Unclaim = j.ID, notices.DeliveryQueued, d.r.now(), true
	return res
}

// send makes one call to Zalo for a claimed delivery and decides what it
// became. It never touches the database except to upload an image once per
// occurrence.
func (d *dispatcher) send(ctx context.Context, j notices.Delivery) result {
	r := d.r
	d.flight.busy.Add(1)
	defer d.flight.busy.Add(-1)
	// The client adds up the time its requests spent on the wire, without
	// the wait for the rate limiter's turn: the round trip that sizes the
	// sends in flight.
	var timing bot.Timing
	ctx = bot.WithTiming(ctx, &timing)
	began := time.Now()
	var msgID string
	var err error
	if j.WithImage {
		var att string
		att, err = d.attachment(ctx, j)
		if err == nil {
			msgID, err = r.sender.SendGroupImage(ctx, j.GroupID, att, j.Body)
			if bot.ErrorClass(err) == bot.ClassReupload {
				_ = r.store.SetAttachment(context.WithoutCancel(ctx), j.OccurrenceID, "")
			}
		}
	} else {
		msgID, err = r.sender.SendGroupText(ctx, j.GroupID, j.Body)
	}
	now := r.now()
	res := result{job: j, took: time.Since(began), ended: now, err: err}
	res.ID = j.ID
	d.measure(timing, res.took, err)
	if err == nil {
		res.Status, res.MessageID, res.At = notices.DeliverySent, msgID, now
		d.mu.Lock()
		d.rlStreak = 0
		d.mu.Unlock()
		return res
	}
	res.Error, res.Code = bot.Reason(err), codeOf(err)
	class := bot.ErrorClass(err)
	switch {
	case errors.Is(err, bot.ErrOutcomeUnknown):
		// Zalo may have delivered it: leave it 'sending' for the reconciler.
		res.Status = notices.DeliverySending
	case class == bot.ClassDisconnected:
		// Nothing was sent; hold it without spending an attempt.
		res.Status, res.At, res.Unclaim = notices.DeliveryQueued, now, true
	case class == bot.ClassRateLimited:
		res.Status, res.At, res.Unclaim = notices.DeliveryRetry, d.slowDown(now), true
	case class == bot.ClassNightBan:
		res.Status, res.At = notices.DeliveryRetry, nightBanEnd(now, r.cfg.Location)
	case class == bot.ClassTransient || class == bot.ClassReupload || class == bot.ClassQuota ||
		class == bot.ClassTokenExpired:
		ladder, most := r.cfg.Backoff, r.cfg.MaxAttempts
		if j.Priority == 0 {
			ladder, most = r.cfg.UrgentBackoff, r.cfg.UrgentMaxAttempts
		}
		if j.Attempts >= most {
			res.Status = notices.DeliveryFailed
			res.Error = "đã thử " + strconv.Itoa(j.Attempts) + " lần không được: " + res.Error
		} else {
			res.Status, res.At = notices.DeliveryRetry, r.later(now, j, ladder.Delay(j.Attempts))
		}
	case ctx.Err() != nil:
		// Stopped before the call: nothing went out.
		res.Status, res.At, res.Unclaim = notices.DeliveryQueued, now, true
	case class == bot.ClassPermanentGroup:
		// Sending again cannot help until an admin acts: say what to do.
		res.Status, res.Error = notices.DeliveryFailed, groupFailure(err)
	default: // content refused, configuration, unknown
		res.Status = notices.DeliveryFailed
	}
	return res
}

// measure feeds a send's round trip to the in-flight target, and shrinks
// it after a timeout.
func (d *dispatcher) measure(t bot.Timing, took time.Duration, err error) {
	var te *bot.TransportError
	switch {
	case errors.As(err, &te):
		if te.Timeout {
			d.flight.shrink(time.Now())
		}
		return
	case t.Answered > 0:
		took = t.Wire / time.Duration(t.Answered)
	case err != nil:
		return // not answered by Zalo: nothing measured
	}
	// A Sender that does not time its requests: the whole call is the
	// round trip.
	if d.flight.answered(took) {
		d.poke() // room for more claims
	}
}

// attachment returns the occurrence's uploaded image, uploading it first if
// needed; uploads of one occurrence are serialised so it happens once.
func (d *dispatcher) attachment(ctx context.Context, j notices.Delivery) (string, error) {
	d.mu.Lock()
	mu := d.uploads[j.OccurrenceID]
	if mu == nil {
		mu = &sync.Mutex{}
		d.uploads[j.OccurrenceID] = mu
	}
	d.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	id, at, err := d.r.store.Attachment(ctx, j.OccurrenceID)
	if err != nil {
		return "", err
	}
	if id != "" && d.r.now().Sub(at) < attachmentLife {
		return id, nil
	}
	data, typ, err := d.r.store.NoticeImage(ctx, j.NoticeID)
	if err != nil {
		return "", err
	}
	name := "thong-bao.png"
	if typ == "image/jpeg" {
		name = "thong-bao.jpg"
	}
	id, err = d.r.sender.UploadImage(ctx, name, data)
	if err != nil {
		return "", err
	}
	if err := d.r.store.SetAttachment(ctx, j.OccurrenceID, id); err != nil {
		return "", err
	}
	return id, nil
}

// slowDown reacts to -32: every worker holds off for a while that grows
// with consecutive rate-limit answers, and it returns the retry time.
func (d *dispatcher) slowDown(now time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now.Before(d.pauseTil) {
		// Answers to sends made before this pause began: one strike,
		// not one per send in flight.
		return d.pauseTil
	}
	d.rlStreak++
	d.flight.shrink(time.Now())
	pause := min(time.Second<<min(d.rlStreak-1, 6), time.Minute)
	if until := now.Add(pause); until.After(d.pauseTil) {
		d.pauseTil = until
	}
	return d.pauseTil
}

// nightBanEnd is 06:00 in the commune zone after now (Zalo's -234).
func nightBanEnd(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	end := time.Date(l.Year(), l.Month(), l.Day(), 6, 0, 0, 0, loc)
	if !end.After(l) {
		end = end.AddDate(0, 0, 1)
	}
	return end.UTC()
}

// Drain claims and sends, as many at once as the in-flight target, every delivery
// that is due at the runner's clock, until none is left to claim, and
// returns how many sends it made. The daemon uses its dispatcher loop
// instead; Drain lets tests and benchmarks step the same code in time.
func (r *Runner) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		now := r.now()
		if ok, _ := r.disp.claimable(ctx, now); !ok {
			return total, nil
		}
		maxRank := 2
		if r.cfg.QuietHours.Contains(now, r.cfg.Location) {
			maxRank = 0
		}
		target, _ := r.disp.flight.current()
		jobs, err := r.store.ClaimJobs(ctx, now, target, maxRank)
		if err != nil || len(jobs) == 0 {
			return total, err
		}
		results := make([]result, len(jobs))
		var wg sync.WaitGroup
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = r.disp.send(ctx, j)
			}()
		}
		wg.Wait()
		rows := make([]notices.Result, len(results))
		r.disp.mu.Lock()
		for i, res := range results {
			rows[i] = res.Result
			r.disp.noteUnknownLocked(res)
		}
		r.disp.mu.Unlock()
		for _, res := range results {
			r.observe(res)
		}
		if err := r.store.Record(ctx, rows); err != nil {
			return total, err
		}
		for _, res := range results {
			r.noteGroupRefused(ctx, res)
		}
		total += len(jobs)
	}
}
