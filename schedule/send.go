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

// sendInTurn sends a claimed delivery, now that a worker has taken it from
// the queue. One whose turn has not come when the runner stops is given
// back unsent, as if it had not been claimed; so is one whose commune was
// disabled since its claim.
func (d *dispatcher) sendInTurn(ctx context.Context, stop <-chan struct{}, j notices.Delivery) result {
	select {
	case <-stop:
		return d.giveBack(j)
	default:
	}
	s, _ := d.Senders.For(j.CommuneID)
	if ctx.Err() != nil || d.held(d.Now(), j, s) {
		// Stopped hard, or Zalo said -32, or the connection broke, or the
		// commune was disabled, since the claim.
		return d.giveBack(j)
	}
	return d.send(ctx, s, j)
}

// held reports whether sending j through s is paused after -32, or its
// OA is disconnected, or its commune has none (s is nil).
func (d *dispatcher) held(now time.Time, j notices.Delivery, s Sender) bool {
	d.mu.Lock()
	until, own := d.pauseTil, d.oaPause[j.CommuneID]
	d.mu.Unlock()
	return now.Before(until) || now.Before(own) || s == nil || !s.Health().Connected
}

// giveBack is the outcome of a claimed delivery that was never handed to
// Zalo: queued again, without spending an attempt.
func (d *dispatcher) giveBack(j notices.Delivery) result {
	res := result{job: j}
	res.ID, res.Status, res.At, res.Unclaim = j.ID, notices.DeliveryQueued, d.Now(), true
	return res
}

// send makes one call to Zalo for a claimed delivery, through s (its
// commune's OA; the same Sender from the check to the outcome, even if the
// commune is disabled meanwhile), and decides what it became. It never
// touches the database except to upload an image once per occurrence.
func (d *dispatcher) send(ctx context.Context, s Sender, j notices.Delivery) result {
	d.Flight.busy.Add(1)
	defer d.Flight.busy.Add(-1)
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
		att, err = d.attachment(ctx, s, j)
		if err == nil {
			msgID, err = s.SendGroupImage(ctx, j.GroupID, att, j.Body)
			if bot.ErrorClass(err) == bot.ClassReupload {
				d.forgetAttachment(context.WithoutCancel(ctx), j)
			}
		}
	} else {
		msgID, err = s.SendGroupText(ctx, j.GroupID, j.Body)
	}
	now := d.Now()
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
		res.Status, res.At, res.Unclaim = notices.DeliveryRetry, d.rateLimited(now, s, j), true
	case class == bot.ClassNightBan:
		res.Status, res.At = notices.DeliveryRetry, nightBanEnd(now, d.cfg.Location)
	case class == bot.ClassTransient || class == bot.ClassReupload || class == bot.ClassQuota ||
		class == bot.ClassTokenExpired:
		ladder, most := d.cfg.Backoff, d.cfg.MaxAttempts
		if j.Priority == notices.RankUrgent {
			ladder, most = d.cfg.UrgentBackoff, d.cfg.UrgentMaxTries
		}
		if j.Attempts >= most {
			res.Status = notices.DeliveryFailed
			res.Error = "đã thử " + strconv.Itoa(j.Attempts) + " lần không được: " + res.Error
		} else {
			res.Status, res.At = notices.DeliveryRetry, d.later(now, j, ladder.Delay(j.Attempts))
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
			d.Flight.shrink(time.Now())
		}
		return
	case t.Answered > 0:
		took = t.Wire / time.Duration(t.Answered)
	case err != nil:
		return // not answered by Zalo: nothing measured
	}
	// A Sender that does not time its requests: the whole call is the
	// round trip.
	if d.Flight.answered(took) {
		d.poke() // room for more claims
	}
}

// attachment returns the occurrence's image uploaded through s, uploading
// it first if needed; uploads of one occurrence are serialised so it
// happens once per OA. An image uploaded through one OA is that OA's alone:
// the store keeps the upload of an occurrence of j's own commune (all of it
// goes through that commune's OA), and a province notice's occurrence,
// sent by every commune's OA, keeps each commune's upload here.
func (d *dispatcher) attachment(ctx context.Context, s Sender, j notices.Delivery) (string, error) {
	d.mu.Lock()
	mu := d.uploads[j.OccurrenceID]
	if mu == nil {
		mu = &sync.Mutex{}
		d.uploads[j.OccurrenceID] = mu
	}
	d.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	id, at, commune, err := d.Queue.Attachment(ctx, j.OccurrenceID)
	if err != nil {
		return "", err
	}
	stored := commune != 0 && commune == j.CommuneID
	key := [2]int64{j.OccurrenceID, j.CommuneID}
	if !stored {
		d.mu.Lock()
		a := d.attached[key]
		d.mu.Unlock()
		id, at = a.id, a.at
	}
	if id != "" && d.Now().Sub(at) < attachmentLife {
		return id, nil
	}
	data, typ, err := d.Queue.NoticeImage(ctx, j.NoticeID)
	if err != nil {
		return "", err
	}
	name := "thong-bao.png"
	if typ == "image/jpeg" {
		name = "thong-bao.jpg"
	}
	if id, err = s.UploadImage(ctx, name, data); err != nil {
		return "", err
	}
	if !stored {
		d.mu.Lock()
		d.attached[key] = attached{id: id, at: d.Now()}
		d.mu.Unlock()
		return id, nil
	}
	if err := d.Queue.SetAttachment(ctx, j.OccurrenceID, id); err != nil {
		return "", err
	}
	return id, nil
}

// forgetAttachment drops j's uploaded image after Zalo forgot it (-100),
// in the store and here (attachment keeps it in one of them).
func (d *dispatcher) forgetAttachment(ctx context.Context, j notices.Delivery) {
	d.mu.Lock()
	delete(d.attached, [2]int64{j.OccurrenceID, j.CommuneID})
	d.mu.Unlock()
	if _, _, commune, err := d.Queue.Attachment(ctx, j.OccurrenceID); err == nil && commune != 0 && commune == j.CommuneID {
		_ = d.Queue.SetAttachment(ctx, j.OccurrenceID, "")
	}
}

// rateLimited reacts to j's -32, met through s. A -32 of s's OA's own
// limit (its client paused that OA alone: bot.OAState.RateLimitedUntil,
// and the app is not paused) holds that commune's claims alone until the
// OA's pause ends; every other -32 holds every claim (slowDown). A single
// commune's client reads every -32 as the app's (OneCommune).
func (d *dispatcher) rateLimited(now time.Time, s Sender, j notices.Delivery) time.Time {
	if time.Until(d.Senders.AppPausedUntil()) > 0 {
		return d.slowDown(now)
	}
	left := time.Until(s.State().RateLimitedUntil)
	if left <= 0 {
		return d.slowDown(now)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if t := now.Add(left); t.After(d.oaPause[j.CommuneID]) {
		d.oaPause[j.CommuneID] = t
	}
	return d.oaPause[j.CommuneID]
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
	d.Flight.shrink(time.Now())
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

// later is when a delivery retried after delay goes: after quiet hours,
// unless it is urgent.
func (d *dispatcher) later(now time.Time, j notices.Delivery, delay time.Duration) time.Time {
	t := now.Add(delay)
	if j.Priority != notices.RankUrgent {
		t = d.cfg.Quiet.After(t)
	}
	return t
}
