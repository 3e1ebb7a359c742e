package schedule

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// Webhooks processes the Zalo webhook events the site stored
// (web/webhook.go), after Zalo had its answer: at start (events stored
// before a crash), when the site says a new one is stored, and every
// WebhookRetry for those whose processing failed.
//
//   - oa_send_group_* (the OA's own send, echoed): a delivery still
//     'sending' in that group with the same words becomes 'sent' with
//     Zalo's msg_id at once, without waiting for the settle time and the
//     history (the rules of reconcile.go: sameMessage, oldest claim first,
//     a message id already on a delivery proves nothing new);
//   - user_join_group, user_leave_group / user_out_group, disperse_group /
//     delete_group, permission_revoked, update_group_info: recorded for the
//     group (notices.Store.ApplyGroupEvent); a gone group or a revoked
//     permission is logged at error level;
//   - anything else: kept, and ignored.
type Webhooks struct {
	r     *Runner
	log   zerolog.Logger
	retry time.Duration

	wake chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	failures map[int64]int // event id → failed tries, in this run
}

// WebhookRetry is how often events whose processing failed are tried
// again. An event refused webhookMaxTries times for a reason other than
// the database being unavailable is finished with the error as its
// outcome, so that it does not hold up the others.
const (
	WebhookRetry     = 30 * time.Second
	webhookMaxTries  = 5
	webhookBatchSize = 100
)

// NewWebhooks returns the processor of r's store's webhook events; it
// settles deliveries through r's bookkeeping.
func NewWebhooks(r *Runner, log zerolog.Logger) *Webhooks {
	return &Webhooks{r: r, log: log.With().Str("component", "webhook").Logger(), retry: WebhookRetry,
		wake: make(chan struct{}, 1), failures: map[int64]int{}}
}

// Notify says a new event is stored; it never blocks.
func (w *Webhooks) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Start processes the events left unprocessed, then runs until Stop.
func (w *Webhooks) Start() {
	w.stop = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	w.wg.Add(2)
	go func() {
		defer w.wg.Done()
		defer cancel()
		t := time.NewTicker(w.retry)
		defer t.Stop()
		for {
			if _, err := w.ProcessPending(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn().Err(err).Msg("webhook events not processed; tried again later")
			}
			select {
			case <-w.stop:
				return
			case <-w.wake:
			case <-t.C:
			}
		}
	}()
	go func() {
		defer w.wg.Done()
		<-w.stop
		cancel() // an event cut short is processed again on the next start
	}()
}

// Stop ends the loop and waits for it.
func (w *Webhooks) Stop() {
	w.once.Do(func() {
		if w.stop != nil {
			close(w.stop)
		}
	})
	w.wg.Wait()
}

// ProcessPending processes every stored event not processed yet, oldest
// first, and returns how many it finished. One event that cannot be
// processed does not stop the others. Not for use beside a started loop:
// Start calls it.
func (w *Webhooks) ProcessPending(ctx context.Context) (int, error) {
	done := 0
	for {
		evs, err := w.r.store.PendingWebhookEvents(ctx, webhookBatchSize)
		if err != nil {
			return done, err
		}
		progress := false
		for _, ev := range evs {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			if w.failures[ev.ID] >= webhookMaxTries {
				continue // finished below, when its last try failed
			}
			err := w.process(ctx, ev)
			if err == nil {
				delete(w.failures, ev.ID)
				done++
				progress = true
				continue
			}
			if notices.IsTransient(err) {
				// The database could not do it now: this one and the rest
				// are tried again later, never given up on.
				return done, fmt.Errorf("webhook event %d (%s): %w", ev.ID, ev.Name, err)
			}
			w.failures[ev.ID]++
			w.log.Warn().Err(err).Int64("event_id", ev.ID).Str("event", ev.Name).Int("attempt", w.failures[ev.ID]).
				Msg("webhook event not processed")
			if w.failures[ev.ID] >= webhookMaxTries {
				if ferr := w.r.store.FinishWebhookEvent(ctx, ev.ID, "failed: "+err.Error()); ferr == nil {
					delete(w.failures, ev.ID)
					progress = true
				}
			}
		}
		if len(evs) < webhookBatchSize || !progress {
			return done, nil
		}
	}
}

// process applies one event and marks it processed.
func (w *Webhooks) process(ctx context.Context, ev notices.WebhookEvent) error {
	log := w.log.With().Int64("event_id", ev.ID).Str("event", ev.Name).Str("group_id", ev.GroupID).Logger()
	switch {
	case ev.Name == "":
		return w.r.store.FinishWebhookEvent(ctx, ev.ID, "unreadable body: ignored")
	case notices.IsGroupEcho(ev.Name):
		outcome, err := w.echo(ctx, ev, log)
		if err != nil {
			return err
		}
		return w.r.store.FinishWebhookEvent(ctx, ev.ID, outcome)
	}
	kind, ok := notices.GroupEventKindOf(ev.Name)
	if !ok {
		log.Debug().Msg("webhook event kept and ignored")
		return w.r.store.FinishWebhookEvent(ctx, ev.ID, "ignored")
	}
	if ev.GroupID == "" {
		if kind == notices.GroupRevoked {
			// Not about one group: the OA took back what it granted the app.
			log.Error().Msg("Zalo says a permission of the app was revoked (no group named): sends may fail " +
				"until an OA admin connects loaxa again (Kết nối Zalo OA)")
			return w.r.store.FinishWebhookEvent(ctx, ev.ID, "permission revoked, no group named")
		}
		log.Warn().Msg("group event without a group id (recipient.id, recipient.group_id, message.conversation_id): ignored")
		return w.r.store.FinishWebhookEvent(ctx, ev.ID, "no group id: ignored")
	}
	commune, oaID, err := w.r.store.GroupOwner(ctx, ev.GroupID)
	if err != nil {
		return err
	}
	if commune != "" {
		log = log.With().Str("commune", commune).Logger()
	}
	if ev.OAID != "" && oaID != "" && ev.OAID != oaID {
		// Each group belongs to one OA: an event about it from another OA
		// is not that group's news (a misdirected or forged event).
		log.Warn().Str("event_oa_id", ev.OAID).Str("group_oa_id", oaID).
			Msg("group event from an OA that is not the group's commune's: ignored")
		return w.r.store.FinishWebhookEvent(ctx, ev.ID, "another OA than the group's: ignored")
	}
	hamlet, err := w.r.store.ApplyGroupEvent(ctx, ev, kind)
	if err != nil {
		return err
	}
	log = log.With().Str("hamlet", hamlet).Logger()
	switch kind {
	case notices.GroupGone:
		log.Error().Msg("Zalo says the group was disbanded or deleted: nothing sent to it can arrive; " +
			"give the hamlet a new group or make it inactive")
	case notices.GroupRevoked:
		log.Error().Msg("Zalo says the OA's permission on the group was revoked: sends to it will fail " +
			"until the OA is an admin of the group again")
	default:
		log.Info().Str("kind", string(kind)).Msg("group event recorded")
	}
	return nil
}

// echo settles the delivery an oa_send_group_* echo proves, if one is
// still waiting, and returns the event's outcome.
func (w *Webhooks) echo(ctx context.Context, ev notices.WebhookEvent, log zerolog.Logger) (string, error) {
	if ev.MsgID == "" || ev.GroupID == "" {
		return "echo without msg_id or group id: ignored", nil
	}
	now := w.r.now()
	jobs, err := w.r.store.SendingJobs(ctx, now.Add(time.Hour))
	if err != nil {
		return "", err
	}
	var waiting []notices.Delivery
	for _, j := range jobs {
		if j.GroupID == ev.GroupID {
			waiting = append(waiting, j)
		}
	}
	// Oldest claim first, as the reconciler takes them: two deliveries
	// with the same words take their messages in the order they were sent.
	sort.SliceStable(waiting, func(a, b int) bool { return waiting[a].ClaimedAt.Before(waiting[b].ClaimedAt) })
	item := bot.ConversationItem{MessageID: ev.MsgID, Src: 0, Type: "text", Message: ev.Text, Description: ev.Text}
	if ev.Photo {
		item.Type = "photo"
	}
	for _, j := range waiting {
		if !sameMessage(j, item) {
			continue
		}
		// Only an echo that could settle a waiting delivery has its
		// message id looked up (the lookup reads every delivery the group
		// ever had, Store.KnownMessageIDs): a message already recorded is
		// another delivery's, and settles none.
		known, err := w.r.store.KnownMessageIDs(ctx, ev.GroupID, []string{ev.MsgID})
		if err != nil {
			return "", err
		}
		if known[ev.MsgID] {
			return "message already recorded on a delivery", nil
		}
		at := ev.At
		if at.IsZero() || at.After(now.Add(time.Minute)) || at.Before(now.Add(-24*time.Hour)) {
			at = now
		}
		if err := w.r.store.Record(ctx, []notices.Result{{ID: j.ID, Status: notices.DeliverySent, MessageID: ev.MsgID, At: at}}); err != nil {
			return "", err
		}
		w.r.claims.settled(j.ID)
		w.r.planCycle(now) // a later part of the message may be claimed now
		log.Info().Int64("delivery_id", j.ID).Int64("notice_id", j.NoticeID).Str("message_id", ev.MsgID).
			Msg("delivery proven sent by Zalo's echo")
		return "delivery " + strconv.FormatInt(j.ID, 10) + " sent", nil
	}
	return "no delivery waiting for this message", nil
}
