package schedule

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
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
	// Every row in 'sending' (few: those in flight and those of unknown
	// outcome), so that the next look is planned for when the youngest can
	// be settled, rather than left to the next full poll cycle.
	jobs, err := r.store.SendingJobs(ctx, now.Add(time.Hour))
	if err != nil {
		return 0, time.Time{}, err
	}
	// Communes with urgent rows waiting for their settle time, and with
	// urgent rows read now: claimed urgent only meanwhile (urgenthold.go).
	waiting, reading := map[int64]bool{}, map[int64]bool{}
	urgentWaits := func(j notices.Delivery, into map[int64]bool) {
		if j.Priority == notices.RankUrgent && j.CommuneID != 0 {
			into[j.CommuneID] = true
		}
	}
	if settle := r.started.Add(r.cfg.ReconcileAfter); now.Before(settle) {
		// Claims from before this start are the previous run's: their
		// requests may still be landing at Zalo (see Start). Claims made
		// since are younger than ReconcileAfter anyway.
		for _, j := range jobs {
			if !r.claims.isInFlight(j.ID) && r.senderFor(j.CommuneID) != nil {
				urgentWaits(j, waiting)
			}
		}
		r.disp.holdOrdinary(waiting)
		return 0, settle, nil
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
		if r.claims.isInFlight(j.ID) {
			continue
		}
		if at, mine := r.claims.settleTime(j.ID); mine {
			// Sent by this run, its answer lost: settled from when the
			// call ended, not from the claim.
			if now.Before(at) {
				soonest(at)
				urgentWaits(j, waiting)
				continue
			}
		} else if !j.ClaimedAt.IsZero() && j.ClaimedAt.After(before) {
			soonest(j.ClaimedAt.Add(r.cfg.ReconcileAfter + time.Second))
			urgentWaits(j, waiting)
			continue
		}
		if t := r.unprovenUntil(j.ID, now); !t.IsZero() {
			soonest(t)
			continue
		}
		if r.senderFor(j.CommuneID) == nil {
			// A disabled commune's (or one not sent for yet): its history
			// can be read only through its OA. The row stays 'sending',
			// counted in its queue on /healthz, and is settled in the
			// cycle that follows the commune's enabling.
			continue
		}
		if byGroup[j.GroupID] == nil {
			groups = append(groups, j.GroupID)
		}
		byGroup[j.GroupID] = append(byGroup[j.GroupID], j)
		urgentWaits(j, reading)
	}
	for id := range waiting {
		reading[id] = true
	}
	if len(groups) > 0 && !r.reconciling.CompareAndSwap(false, true) {
		// The last cycle's reads go on (a commune's low limit): one
		// reconciliation at a time, and it plans the next cycle when done.
		return 0, next, nil
	}
	r.disp.holdOrdinary(reading)
	if len(groups) == 0 {
		r.disp.holdOrdinary(waiting)
		return 0, next, nil
	}
	// The most urgent first: a group's reads wait their turn in the rate
	// limits (the app's, and a commune's own low one), and a group whose
	// rows are only ordinary notices' must not spend that budget before a
	// flood warning is settled and can be sent again.
	sortUrgentFirst(groups, byGroup)
	// Groups are read a few at a time: at Zalo's real round trips (a
	// quarter of a second, 10 history items a request) one group after
	// another made a broadcast's restart wait most of a minute for its
	// reconciliation alone.
	type settledGroup struct {
		group string
		res   []notices.Result
		err   error
	}
	out := make(chan settledGroup)
	sem := make(chan struct{}, reconcileParallel)
	go func() {
		var wg sync.WaitGroup
		for _, g := range groups {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				res, err := r.settleGroup(ctx, g, byGroup[g])
				out <- settledGroup{g, res, err}
			}()
		}
		wg.Wait()
		close(out)
	}()
	var settled int
	var firstErr error
	handle := func(sg settledGroup, soonest func(time.Time)) {
		if sg.err != nil {
			if firstErr == nil {
				firstErr = sg.err
			}
			soonest(now.Add(unreadableRetry))
			r.log.Warn().Err(sg.err).Str("group_id", sg.group).Int("count", len(byGroup[sg.group])).
				Msg("conversation unreadable; deliveries stay held until it can be checked")
			return
		}
		if err := r.store.Record(ctx, sg.res); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			soonest(now.Add(unreadableRetry))
			return // the rows stay 'sending': settled again at the next look
		}
		for _, x := range sg.res {
			if x.Status != notices.DeliverySending {
				r.claims.settled(x.ID)
			}
		}
		settled += len(sg.res)
	}
	// The poll cycle waits for the reads a while only: reading a group's
	// history through a commune's low limit (2 a minute, 9 pages) took
	// minutes, and meanwhile no commune's notice was made (probe7). Past
	// reconcileBudget the reads go on in the background, the cycle goes
	// on, and the next cycle is planned when they end.
	budget := time.NewTimer(reconcileBudget)
	defer budget.Stop()
	for {
		select {
		case sg, ok := <-out:
			if !ok {
				r.disp.holdOrdinary(waiting)
				r.reconciling.Store(false)
				return settled, next, firstErr
			}
			handle(sg, soonest)
		case <-budget.C:
			r.log.Info().Int("settled", settled).Msg("reconciliation goes on in the background: some groups' histories are slow to read")
			done, errSoFar := settled, firstErr
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				for sg := range out {
					handle(sg, func(time.Time) {})
				}
				r.disp.holdOrdinary(waiting)
				r.reconciling.Store(false)
				r.planCycle(r.now())
			}()
			return done, next, errSoFar
		}
	}
}

// sortUrgentFirst orders groups by their most urgent row (priority, then
// due time, then id, the claim's order) to be settled first.
func sortUrgentFirst(groups []string, byGroup map[string][]notices.Delivery) {
	first := make(map[string]notices.Delivery, len(groups))
	for _, g := range groups {
		var f notices.Delivery
		for i, j := range byGroup[g] {
			if i == 0 || claimsBefore(j, f) {
				f = j
			}
		}
		first[g] = f
	}
	sort.SliceStable(groups, func(a, b int) bool { return claimsBefore(first[groups[a]], first[groups[b]]) })
}

// claimsBefore reports whether a is claimed before b: more urgent, then
// due sooner, then made earlier.
func claimsBefore(a, b notices.Delivery) bool {
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	if !a.DueAt.Equal(b.DueAt) {
		return a.DueAt.Before(b.DueAt)
	}
	return a.ID < b.ID
}

// reconcileParallel is how many groups' histories are read at once.
const reconcileParallel = 8

// reconcileBudget is how long a poll cycle waits for its reconciliation
// before leaving the rest to go on in the background.
var reconcileBudget = 3 * time.Second

// unreadableRetry is when a group whose history could not be read is
// looked at again.
const unreadableRetry = 5 * time.Second

// unprovenRetry is when a delivery whose message could be neither found
// nor ruled out (more history than HistoryCount above the claim) is
// looked for again.
const unprovenRetry = time.Minute

// clockSkew is how far Zalo's clock (the history's times) may be behind
// ours (the claims' times) before an item older than a claim is taken for
// one sent before it.
const clockSkew = 5 * time.Minute

// history is what was read of a group's conversation for one settlement.
type history struct {
	items []bot.ConversationItem // newest first, without repeats
	// complete is true when every message since the oldest claim was
	// read: the history ended, or its items became older than the claim.
	complete bool
}

// readHistory pages through a group's conversation, newest first, at most
// bot.MaxConversationPage items a request (Zalo may serve no more: §12),
// until the items are older than since (less clockSkew) or the history
// ends (an empty page), reading at most HistoryCount items. A zero since
// reads to the end. Only an empty page ends the history: Zalo may answer
// fewer items than asked.
func (r *Runner) readHistory(ctx context.Context, s Sender, groupID string, since time.Time) (history, error) {
	var h history
	seen := map[string]bool{}
	stale := 0 // pages in a row with nothing new
	for offset := 0; len(h.items) < r.cfg.HistoryCount; {
		page, err := r.historyPage(ctx, s, groupID, offset)
		if err != nil {
			return h, err
		}
		if len(page) == 0 {
			h.complete = true
			return h, nil
		}
		fresh := 0
		oldest := page[len(page)-1].Time
		for _, it := range page {
			// New messages arriving while we page push older ones to
			// higher offsets: a page may repeat items, never skip them.
			if it.MessageID != "" && seen[it.MessageID] {
				continue
			}
			seen[it.MessageID] = true
			h.items = append(h.items, it)
			fresh++
			if !it.Time.IsZero() && it.Time.Before(oldest) {
				oldest = it.Time
			}
		}
		if fresh == 0 {
			// Every item was read already: new messages pushed them down
			// (go on), or the server ignores offset (after a few such
			// pages, what lies further back cannot be read).
			if stale++; stale >= 3 {
				return h, nil
			}
			offset += len(page)
			continue
		}
		stale = 0
		if !since.IsZero() && !oldest.IsZero() && oldest.Before(since.Add(-clockSkew)) {
			h.complete = true
			return h, nil
		}
		offset += len(page)
	}
	return h, nil
}

// historyPage reads one page of a group's conversation, trying again at
// once after a transient failure: a read can be repeated safely, and a
// group left unsettled waits unreadableRetry.
func (r *Runner) historyPage(ctx context.Context, s Sender, groupID string, offset int) ([]bot.ConversationItem, error) {
	var err error
	for try := range 3 {
		if try > 0 {
			select {
			case <-ctx.Done():
				return nil, err
			case <-time.After(time.Duration(try) * 200 * time.Millisecond):
			}
		}
		var page []bot.ConversationItem
		page, err = s.GroupConversationPage(ctx, groupID, offset, bot.MaxConversationPage)
		if err == nil || bot.ErrorClass(err) != bot.ClassTransient {
			return page, err
		}
	}
	return nil, err
}

// settleGroup matches one group's unsettled deliveries, oldest first,
// against its conversation since the oldest of their claims.
func (r *Runner) settleGroup(ctx context.Context, groupID string, jobs []notices.Delivery) ([]notices.Result, error) {
	since := jobs[0].ClaimedAt
	for _, j := range jobs {
		if j.ClaimedAt.IsZero() || j.ClaimedAt.Before(since) {
			since = j.ClaimedAt
		}
		if since.IsZero() {
			break
		}
	}
	// A group's history is read through its commune's OA: another OA is
	// not in the group (-403), and could not see what it was sent.
	s := r.senderFor(jobs[0].CommuneID)
	if s == nil {
		return nil, fmt.Errorf("group %s: no Zalo OA for commune %d (inactive?): its deliveries stay unsettled", groupID, jobs[0].CommuneID)
	}
	h, err := r.readHistory(ctx, s, groupID, since)
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
	items := h.items
	// Only the messages that could be one of these deliveries' (the OA's,
	// with one's words) are looked up: the lookup reads every delivery the
	// group ever had (Store.KnownMessageIDs), and most of a history is the
	// residents' or other notices'.
	var ids []string
	for _, it := range items {
		if !it.FromOA() {
			continue
		}
		for _, j := range jobs {
			if sameMessage(j, it) {
				ids = append(ids, it.MessageID)
				break
			}
		}
	}
	known, err := r.store.KnownMessageIDs(ctx, groupID, ids)
	if err != nil {
		return nil, err
	}
	now := r.now()
	var out []notices.Result
	for _, j := range jobs {
		res, found := notices.Result{}, false
		// Oldest first, so that two identical deliveries take their
		// messages in the order they were sent.
		for i := len(items) - 1; i >= 0; i-- {
			it := items[i]
			if !it.FromOA() || known[it.MessageID] || !sameMessage(j, it) {
				continue
			}
			known[it.MessageID] = true
			res, found = notices.Result{ID: j.ID, Status: notices.DeliverySent, MessageID: it.MessageID, At: it.Time}, true
			if res.At.IsZero() {
				res.At = now
			}
			break
		}
		switch {
		case found:
		case h.complete:
			res = notices.Result{ID: j.ID, Status: notices.DeliveryRetry, At: now,
				Error: "không thấy tin trong lịch sử nhóm sau khi mất kết nối; gửi lại"}
			// A claim that a previous run left behind was cut short by
			// that run's end, not refused by Zalo: it does not count as a
			// failed try, so that restarts do not push a delivery up the
			// backoff ladder (six of them made an urgent one wait a
			// minute at its next fault).
			_, mine := r.claims.settleTime(j.ID)
			res.Unclaim = !mine && j.ClaimedAt.Before(r.started)
		case !j.ClaimedAt.IsZero() && now.Sub(j.ClaimedAt) >= r.cfg.UnprovenAfter:
			// Never sent blindly: a person looks at the group and decides.
			res = notices.Result{ID: j.ID, Status: notices.DeliveryFailed,
				Error: "không xác minh được tin đã đến nhóm hay chưa: nhóm có quá nhiều tin mới sau lần gửi. " +
					"Hãy xem nhóm Zalo; nếu chưa có tin thì bấm «Gửi lại»"}
		default:
			res = notices.Result{ID: j.ID, Status: notices.DeliverySending,
				Error: "chưa xác minh được tin đã đến nhóm hay chưa (nhóm có nhiều tin mới); sẽ kiểm tra lại, không gửi lại khi chưa rõ"}
			r.holdUnproven(j.ID, now.Add(unprovenRetry))
		}
		r.log.Info().Int64("delivery_id", j.ID).Int64("notice_id", j.NoticeID).Str("group_id", groupID).
			Int("history_read", len(items)).Bool("history_complete", h.complete).
			Str("outcome", string(res.Status)).Msg("delivery reconciled against the group's conversation")
		if res.Status == notices.DeliverySending {
			r.log.Warn().Int64("delivery_id", j.ID).Str("group_id", groupID).Int("history_read", len(items)).
				Msg("delivery not proven either way: more messages above it than the reconciler reads; checked again later, never resent blindly")
		}
		out = append(out, res)
	}
	return out, nil
}

// sameMessage reports whether a history item is the message a delivery
// would have made: a photo with the delivery's text as its description for
// an image delivery, a text item with it as its message otherwise (§12).
// Empty words match nothing.
func sameMessage(j notices.Delivery, it bot.ConversationItem) bool {
	want := sameText(j.Body)
	if want == "" {
		return false
	}
	if j.WithImage {
		return it.IsPhoto() && sameText(it.Description) == want
	}
	return !it.IsPhoto() && it.Type != "sticker" && sameText(it.Message) == want
}

// holdUnproven keeps an unproven delivery out of reconciliation until t.
func (r *Runner) holdUnproven(id int64, t time.Time) {
	r.unprovenMu.Lock()
	defer r.unprovenMu.Unlock()
	if r.unproven == nil {
		r.unproven = map[int64]time.Time{}
	}
	r.unproven[id] = t
}

// unprovenUntil is when a held unproven delivery is looked at again, or
// the zero time.
func (r *Runner) unprovenUntil(id int64, now time.Time) time.Time {
	r.unprovenMu.Lock()
	defer r.unprovenMu.Unlock()
	t, ok := r.unproven[id]
	if ok && !now.Before(t) {
		delete(r.unproven, id)
		return time.Time{}
	}
	return t
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
