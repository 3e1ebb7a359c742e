package schedule

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// fullCycle is how often the poll loop runs a cycle even when nothing seems
// to have changed: a safety net, never the way work is found.
const fullCycle = time.Minute

// poll runs a cycle when this process wrote (Store.Changed), when another
// process wrote (PRAGMA data_version, checked every PollInterval), or when
// the next known due time arrives. A check of data_version is one cheap
// statement; the cycle's queries run only when something changed.
func (r *Runner) poll(ctx context.Context) {
	ticker := time.NewTicker(r.cfg.PollInterval)
	defer ticker.Stop()
	var version int64 = -1
	var next time.Time
	last := time.Time{}
	fails := 0 // consecutive failed cycles
	for {
		run := false
		select {
		case <-r.stop:
			return
		case <-r.store.Changed():
			run = true
		case <-r.planned:
			// The dispatcher lost an answer: settle it when it can be.
			if t := r.takePlan(); !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next = t
			}
			continue
		case <-ticker.C:
			v, err := r.store.DataVersion(ctx)
			if err != nil {
				r.log.Error().Err(err).Msg("read data_version")
			}
			now := r.now()
			run = v != version || (!next.IsZero() && !now.Before(next)) || now.Sub(last) >= fullCycle
			version = v
		}
		if !run {
			continue
		}
		last = r.now()
		n, err := r.RunOnce(ctx, last)
		next = n
		if err != nil {
			// The database refused (locked by another program past
			// busy_timeout, disk full): try again soon, backing off, rather
			// than wait for the next change or full cycle.
			fails++
			retry := min(r.cfg.PollInterval<<min(fails-1, 8), 30*time.Second)
			next = last.Add(retry)
			r.log.Error().Err(err).Int("failures", fails).Dur("retry_in", retry).Msg("poll cycle")
		} else if fails > 0 {
			fails = 0
		}
	}
}

// RunOnce does one cycle at now: follow the communes table, close expired notices, materialise due
// occurrences and bulletins, settle unknown outcomes, close finished
// notices, and tell the dispatcher. It returns the next time something
// becomes due (zero if nothing is known to), so that a caller may sleep
// until then. Tests call it with an injected clock.
func (r *Runner) RunOnce(ctx context.Context, now time.Time) (time.Time, error) {
	began := time.Now()
	var next time.Time
	soonest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	// Each step runs even when an earlier one failed: deliveries that are
	// already queued still go out, and the cycle reports every failure.
	var errs []error
	// A commune added, enabled, disabled or given a new limit since the
	// last cycle: the routing follows before anything is claimed.
	r.syncCommunes(ctx)
	if n, err := r.store.SweepExpired(ctx, now); err != nil {
		errs = append(errs, err)
	} else if n > 0 {
		r.log.Info().Int("count", n).Msg("notices expired")
	}
	t, err := r.materialise(ctx, now)
	if err != nil {
		errs = append(errs, err)
	}
	soonest(t)
	t, err = r.bulletins(ctx, now)
	if err != nil {
		errs = append(errs, err)
	}
	soonest(t)
	_, again, err := r.reconcile(ctx)
	if err != nil {
		r.log.Warn().Err(err).Msg("reconcile deliveries of unknown outcome")
	}
	soonest(again) // when a claim of unknown outcome can next be settled
	if _, err := r.store.CloseFinished(ctx); err != nil {
		errs = append(errs, err)
	}
	if t, err := r.store.NextAttempt(ctx, now); err == nil && t.After(now) {
		soonest(t)
	}
	if r.cfg.QuietHours.Contains(now) {
		soonest(r.cfg.QuietHours.After(now)) // held deliveries become claimable
	}
	r.disp.poke()
	err = errors.Join(errs...)
	r.metrics.observePoll(time.Since(began), r.now(), err)
	return next, err
}

// materialise turns every due occurrence of every approved notice into
// delivery rows and returns the next time an approved notice becomes due.
func (r *Runner) materialise(ctx context.Context, now time.Time) (time.Time, error) {
	live, err := r.store.LiveNotices(ctx)
	if err != nil {
		return time.Time{}, err
	}
	// The hamlets are read only when some occurrence is due: a cycle while
	// a one-off notice is still being delivered (it stays approved until
	// its deliveries end) has nothing to plan, and reading every hamlet
	// took the connection from the dispatcher for tens of milliseconds
	// with 10,000 of them (BenchmarkFanout10k).
	var hamlets *hamletIndex
	var next time.Time
	var errs []error
	for _, n := range live {
		if n.Damaged != "" {
			if err := r.setAside(ctx, n.ID, n.Damaged, nil); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		dues, err := r.rules().DueTimes(n, now)
		if err != nil {
			// A bad spec can only come from another program's INSERT.
			reason := "lịch lặp không hợp lệ: " + err.Error()
			r.log.Error().Err(err).Int64("notice_id", n.ID).Msg("notice refused by the daemon")
			if err := r.store.CloseNotice(ctx, n.ID, notices.StatusRejected, reason); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		for _, d := range dues {
			if hamlets == nil {
				if hamlets, err = r.activeHamlets(ctx); err != nil {
					return next, errors.Join(append(errs, err)...)
				}
			}
			aside, err := r.materialiseOne(ctx, n, d, hamlets, now)
			if err != nil {
				errs = append(errs, err)
			}
			if aside || err != nil {
				break // set aside: no more of it; failed: its next occurrences wait for the next cycle
			}
		}
		if t := r.rules().NextDue(n, now); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, errors.Join(errs...)
}

// materialiseOne plans and records one due occurrence of n. When the
// notice itself is at fault (a row the database refuses, a notice it
// refers to that is gone), it is set aside (aside is true) and no error is
// returned, so that the others go on; an error is returned only when the
// database could not do the work now, to be tried again next cycle.
func (r *Runner) materialiseOne(ctx context.Context, n *notices.Notice, d due, hamlets *hamletIndex, now time.Time) (aside bool, err error) {
	if why := hamlets.unknownCommune(n); why != "" {
		return true, r.setAside(ctx, n.ID, why, nil)
	}
	plan, err := r.plan(ctx, n, d, hamlets, now)
	if err != nil {
		if notices.IsTransient(err) {
			return false, fmt.Errorf("plan notice %d at %s: %w", n.ID, d.At, err)
		}
		why := "không lập được lượt gửi"
		if errors.Is(err, notices.ErrNotFound) {
			why = fmt.Sprintf("không đọc được thông báo gốc số %d mà thông báo này sửa hoặc hủy", n.RefersTo)
		}
		return true, r.setAside(ctx, n.ID, why, err)
	}
	created, err := r.store.Materialise(ctx, plan)
	if err != nil {
		if notices.IsTransient(err) {
			return false, fmt.Errorf("materialise notice %d at %s: %w", n.ID, d.At, err)
		}
		return true, r.setAside(ctx, n.ID, "cơ sở dữ liệu không nhận các tin gửi của thông báo này", err)
	}
	if !created {
		return false, nil
	}
	if plan.Status == notices.OccurrenceQueued {
		r.facts.sentTo(plan.Targets)
	}
	ev := r.log.Info()
	if d.Skip {
		ev = r.log.Warn().Str("reason", d.Reason)
	}
	ev.Int64("notice_id", n.ID).Time("due_at", d.At).Str("occurrence", plan.Status).
		Int("hamlets", len(plan.Targets)).Int("parts", len(plan.Parts)).Msg("occurrence materialised")
	return false, nil
}

// setAside sets notice id aside with a reason for staff (and the error
// behind it, if any), and logs it at error level the one time it happens.
func (r *Runner) setAside(ctx context.Context, id int64, reason string, cause error) error {
	if cause != nil {
		reason += " (" + cause.Error() + ")"
	}
	first, err := r.store.SetAside(ctx, id, reason)
	if err != nil {
		return fmt.Errorf("set notice %d aside: %w", id, err)
	}
	if first {
		r.log.Error().Err(cause).Int64("notice_id", id).Str("reason", reason).
			Msg("notice set aside: it cannot be read, planned or materialised; nothing of it is sent, every other notice goes on; cancel it and write it again")
	}
	return nil
}

// plan decides what one due occurrence becomes.
func (r *Runner) plan(ctx context.Context, n *notices.Notice, d due, hamlets *hamletIndex, now time.Time) (notices.OccurrencePlan, error) {
	p := notices.OccurrencePlan{NoticeID: n.ID, DueAt: d.At, LastDueAt: d.At, Priority: n.Priority.Rank()}
	if d.Skip {
		p.Status, p.Reason = notices.OccurrenceSkipped, d.Reason
		return p, nil
	}
	p.Targets = targets(n, hamlets)
	var orig *notices.Notice
	if n.RefersTo != 0 {
		var err error
		if orig, err = r.store.Notice(ctx, n.RefersTo); err != nil {
			return p, err
		}
	}
	if len(p.Targets) == 0 && n.Kind != notices.KindCancel {
		// Nothing to send to (its commune, or every hamlet it names, was
		// turned off after it was approved): the run is skipped with the
		// reason, and a one-off is closed as not sent, never «đã gửi xong».
		p.Status, p.Reason = notices.OccurrenceSkipped, hamlets.noTargets(n)
		if n.Recurrence == "" {
			p.CloseAs, p.CloseReason = notices.StatusCancelled, "không gửi: "+p.Reason
		}
		return p, nil
	}
	if n.Kind == notices.KindCancel {
		// A withdrawal goes only where the original arrived; where it had
		// not, the original's deliveries are simply stopped.
		reached, err := r.store.ReachedHamlets(ctx, n.RefersTo)
		if err != nil {
			return p, err
		}
		p.Targets = intersect(p.Targets, reached)
		p.Withdraws = n.RefersTo
		if len(p.Targets) == 0 {
			p.CloseAs, p.CloseReason = notices.StatusDone, "không cần gửi: thông báo gốc chưa đến nhóm nào, đã dừng gửi"
		}
	}
	if n.Priority == notices.Low {
		p.Status = notices.OccurrenceHeld
		return p, nil
	}
	p.Status = notices.OccurrenceQueued
	p.Parts = notices.RenderParts(n, r.renderOptions(hamlets.footer(n, r.cfg), orig))
	p.WithImage = n.ImageType != ""
	p.NotBefore = r.rules().SendAt(n.Priority, d.At, now) // urgent: now; normal: past the quiet hours
	return p, nil
}

func (r *Runner) renderOptions(footer string, orig *notices.Notice) notices.RenderOptions {
	return notices.RenderOptions{Commune: footer, Location: r.cfg.Location, RefersTo: orig}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func sortTargets(ts []notices.Target) {
	slices.SortFunc(ts, func(a, b notices.Target) int { return cmp.Compare(a.HamletID, b.HamletID) })
}

// intersect keeps the targets whose hamlet is in ids.
func intersect(ts []notices.Target, ids []int64) []notices.Target {
	var out []notices.Target
	for _, t := range ts {
		if slices.Contains(ids, t.HamletID) {
			out = append(out, t)
		}
	}
	return out
}
