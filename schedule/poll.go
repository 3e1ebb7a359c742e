package schedule

import (
	"cmp"
	"context"
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
			r.metrics.setPollFailures(fails)
			retry := min(r.cfg.PollInterval<<min(fails-1, 8), 30*time.Second)
			next = last.Add(retry)
			r.log.Error().Err(err).Int("failures", fails).Dur("retry_in", retry).Msg("poll cycle")
		} else if fails > 0 {
			fails = 0
			r.metrics.setPollFailures(0)
		}
	}
}

// RunOnce does one cycle at now: close expired notices, materialise due
// occurrences and bulletins, settle unknown outcomes, close finished
// notices, and tell the dispatcher. It returns the next time something
// becomes due (zero if nothing is known to), so that a caller may sleep
// until then. Tests call it with an injected clock.
func (r *Runner) RunOnce(ctx context.Context, now time.Time) (time.Time, error) {
	began := time.Now()
	defer func() { r.metrics.observePoll(time.Since(began), r.now()) }()
	var next time.Time
	soonest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if n, err := r.store.SweepExpired(ctx, now); err != nil {
		return next, err
	} else if n > 0 {
		r.log.Info().Int("count", n).Msg("notices expired")
	}
	t, err := r.materialise(ctx, now)
	if err != nil {
		return next, err
	}
	soonest(t)
	t, err = r.bulletins(ctx, now)
	if err != nil {
		return next, err
	}
	soonest(t)
	_, again, err := r.reconcile(ctx)
	if err != nil {
		r.log.Warn().Err(err).Msg("reconcile deliveries of unknown outcome")
	}
	soonest(again) // when a claim of unknown outcome can next be settled
	if _, err := r.store.CloseFinished(ctx); err != nil {
		return next, err
	}
	if t, err := r.store.NextAttempt(ctx); err == nil && t.After(now) {
		soonest(t)
	}
	if r.cfg.QuietHours.Contains(now, r.cfg.Location) {
		soonest(r.cfg.QuietHours.After(now, r.cfg.Location)) // held deliveries become claimable
	}
	r.disp.poke()
	return next, nil
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
	var hamlets map[string]notices.Hamlet
	var next time.Time
	for _, n := range live {
		dues, err := dueTimes(n, now, r.cfg.MaxLateness, r.cfg.Location)
		if err != nil {
			// A bad spec can only come from another program's INSERT.
			reason := "lịch lặp không hợp lệ: " + err.Error()
			r.log.Error().Err(err).Int64("notice_id", n.ID).Msg("notice refused by the daemon")
			if err := r.store.CloseNotice(ctx, n.ID, notices.StatusRejected, reason); err != nil {
				return next, err
			}
			continue
		}
		for _, d := range dues {
			if hamlets == nil {
				if hamlets, err = r.activeHamlets(ctx); err != nil {
					return next, err
				}
			}
			plan, err := r.plan(ctx, n, d, hamlets, now)
			if err != nil {
				return next, fmt.Errorf("plan notice %d at %s: %w", n.ID, d.At, err)
			}
			created, err := r.store.Materialise(ctx, plan)
			if err != nil {
				return next, fmt.Errorf("materialise notice %d at %s: %w", n.ID, d.At, err)
			}
			if !created {
				continue
			}
			ev := r.log.Info()
			if d.Skip {
				ev = r.log.Warn().Str("reason", d.Reason)
			}
			ev.Int64("notice_id", n.ID).Time("due_at", d.At).Str("occurrence", plan.Status).
				Int("hamlets", len(plan.Targets)).Int("parts", len(plan.Parts)).Msg("occurrence materialised")
		}
		if t := nextDue(n, now, r.cfg.Location); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, nil
}

// activeHamlets maps hamlet codes to the active hamlets.
func (r *Runner) activeHamlets(ctx context.Context) (map[string]notices.Hamlet, error) {
	all, err := r.store.Hamlets(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]notices.Hamlet, len(all))
	for _, h := range all {
		if h.Active {
			m[h.Code] = h
		}
	}
	return m, nil
}

// targets resolves a notice's hamlets: all active ones, or those named.
func targets(n *notices.Notice, hamlets map[string]notices.Hamlet) []notices.Target {
	var ts []notices.Target
	if len(n.Targets) == 0 {
		for _, h := range hamlets {
			ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID})
		}
	} else {
		for _, code := range n.Targets {
			if h, ok := hamlets[code]; ok {
				ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID})
			}
		}
	}
	sortTargets(ts)
	return ts
}

// plan decides what one due occurrence becomes.
func (r *Runner) plan(ctx context.Context, n *notices.Notice, d due, hamlets map[string]notices.Hamlet, now time.Time) (notices.OccurrencePlan, error) {
	p := notices.OccurrencePlan{NoticeID: n.ID, DueAt: d.At, LastDueAt: d.At, Priority: notices.PriorityRank(n.Priority)}
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
	p.Parts = notices.RenderParts(n, r.renderOptions(orig))
	p.WithImage = n.ImageType != ""
	p.NotBefore = now
	if n.Priority != notices.Urgent {
		p.NotBefore = r.cfg.QuietHours.After(maxTime(d.At, now), r.cfg.Location)
	}
	return p, nil
}

func (r *Runner) renderOptions(orig *notices.Notice) notices.RenderOptions {
	return notices.RenderOptions{Commune: r.cfg.Commune, Location: r.cfg.Location, RefersTo: orig}
}

// later is the retry time after delay, past quiet hours unless urgent.
func (r *Runner) later(now time.Time, j notices.Delivery, delay time.Duration) time.Time {
	t := now.Add(delay)
	if j.Priority > 0 {
		t = r.cfg.QuietHours.After(t, r.cfg.Location)
	}
	return t
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
