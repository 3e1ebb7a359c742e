package schedule

import (
	"context"
	"errors"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// reconcile settles deliveries left in 'sending' by a crash (once
// ReconcileAfter has passed since this start) or by a send whose answer was
// lost (once the claim is ReconcileAfter old and no longer in flight). Each group's
// recent conversation is read once: a message of ours with the same text
// that no other delivery has claimed means it arrived ('sent', with its
// message_id); no such message means it did not ('retry', due now); an
// unreadable history leaves the row 'sending' to be checked again later.
// Nothing is dropped and nothing is sent twice.
func (r *Runner) reconcile(ctx context.Context) (int, time.Time, error) {
	now := r.now()
	before := now.Add(-r.cfg.ReconcileAfter)
	if settle := r.started.Add(r.cfg.ReconcileAfter); now.Before(settle) {
		// Claims from before this start are the previous run's: their
		// requests may still be landing at Zalo (see Start). Claims made
		// since are younger than ReconcileAfter anyway.
		return 0, settle, nil
	}
	// Every row in 'sending' (few: those in flight and those of unknown
	// outcome), so that the next look is planned for when the youngest can
	// be settled, rather than left to the next full poll cycle.
	jobs, err := r.store.SendingJobs(ctx, now.Add(time.Hour))
	if err != nil {
		return 0, time.Time{}, err
	}
	var next time.Time
	soonest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	byGroup := map[string][]notices.Delivery{}
	var groups []string
	for _, j := range jobs {
		if r.disp.isInFlight(j.ID) {
			continue
		}
		if !j.ClaimedAt.IsZero() && j.ClaimedAt.After(before) {
			soonest(j.ClaimedAt.Add(r.cfg.ReconcileAfter + time.Second))
			continue
		}
		if byGroup[j.GroupID] == nil {
			groups = append(groups, j.GroupID)
		}
		byGroup[j.GroupID] = append(byGroup[j.GroupID], j)
	}
	var settled int
	var firstErr error
	for _, g := range groups {
		res, err := r.settleGroup(ctx, g, byGroup[g])
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			soonest(now.Add(unreadableRetry))
			r.log.Warn().Err(err).Str("group_id", g).Int("count", len(byGroup[g])).
				Msg("conversation unreadable; deliveries stay held until it can be checked")
			continue
		}
		if err := r.store.Record(ctx, res); err != nil {
			return settled, next, err
		}
		settled += len(res)
	}
	return settled, next, firstErr
}

// unreadableRetry is when a group whose history could not be read is
// looked at again.
const unreadableRetry = 5 * time.Second

// settleGroup matches one group's unsettled deliveries, oldest first,
// against its recent conversation.
func (r *Runner) settleGroup(ctx context.Context, groupID string, jobs []notices.Delivery) ([]notices.Result, error) {
	items, err := r.sender.GroupConversation(ctx, groupID, r.cfg.HistoryCount)
	if bot.ErrorClass(err) == bot.ClassPermanentGroup {
		// The OA is not in this group (any more): nothing sent to it can
		// have arrived.
		out := make([]notices.Result, len(jobs))
		for i, j := range jobs {
			out[i] = notices.Result{ID: j.ID, Status: notices.DeliveryFailed, Code: codeOf(err), Error: bot.Reason(err)}
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.MessageID)
	}
	known, err := r.store.KnownMessageIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := r.now()
	var out []notices.Result
	for _, j := range jobs {
		res := notices.Result{ID: j.ID, Status: notices.DeliveryRetry, At: now,
			Error: "không thấy tin trong lịch sử nhóm sau khi mất kết nối; gửi lại"}
		want := sameText(j.Body)
		// Oldest first, so that two identical deliveries take their
		// messages in the order they were sent.
		for i := len(items) - 1; i >= 0; i-- {
			it := items[i]
			if !it.FromOA() || known[it.MessageID] || sameText(it.Message) != want {
				continue
			}
			known[it.MessageID] = true
			res = notices.Result{ID: j.ID, Status: notices.DeliverySent, MessageID: it.MessageID, At: it.Time}
			if res.At.IsZero() {
				res.At = now
			}
			break
		}
		r.log.Info().Int64("delivery_id", j.ID).Int64("notice_id", j.NoticeID).Str("group_id", groupID).
			Str("outcome", string(res.Status)).Msg("delivery reconciled against the group's conversation")
		out = append(out, res)
	}
	return out, nil
}

// sameText is the form two texts are compared in: NFC, trimmed, with
// Windows line ends made plain.
func sameText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(norm.NFC.String(s), "\r\n", "\n"))
}

// codeOf is Zalo's error code in err, or 0.
func codeOf(err error) int {
	var ae *bot.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}
