package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
)

// cronLogger lets robfig/cron log through zerolog. It is needed because
// cron's default chain does not recover panics (robfig/cron#380) and
// cron.Recover(nil) itself crashes (#304).
type cronLogger struct{ log zerolog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Debug().Fields(kv).Msg("cron: " + msg)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error().Err(err).Fields(kv).Msg("cron: " + msg)
}

// newCron is a scheduler in loc whose jobs recover from panics (logged at
// error level) and are skipped while their previous run is still going.
func newCron(loc *time.Location, log zerolog.Logger) *cron.Cron {
	l := cronLogger{log}
	return cron.New(cron.WithLocation(loc), cron.WithLogger(l),
		cron.WithChain(cron.Recover(l), cron.SkipIfStillRunning(l)))
}

// calendar builds the calendar jobs, evaluated in the commune zone: token
// upkeep, the expiry sweep, the daily summary and the groups' facts. Each job runs with a
// timeout derived from the runner's work context, recovers from panics and
// is skipped if its previous run is still going.
func (r *Runner) calendar(work context.Context) *cron.Cron {
	c := newCron(r.cfg.Location, r.log)
	job := func(name string, timeout time.Duration, fn func(ctx context.Context) error) cron.Job {
		return cron.FuncJob(func() {
			ctx, cancel := context.WithTimeout(work, timeout)
			defer cancel()
			if err := fn(ctx); err != nil {
				r.log.Error().Err(err).Str("job", name).Msg("calendar job failed")
			}
		})
	}
	must := func(_ cron.EntryID, err error) {
		if err != nil {
			panic(err) // the specs below are constants
		}
	}
	must(c.AddJob("*/10 * * * *", job("token upkeep", time.Minute, r.upkeep)))
	must(c.AddJob("* * * * *", job("expiry sweep", 30*time.Second, func(ctx context.Context) error {
		_, err := r.store.SweepExpired(ctx, r.now())
		return err
	})))
	must(c.AddJob("0 7 * * *", job("daily summary", time.Minute, r.summary)))
	// Each group is checked with Zalo once a day (sooner after a try that
	// got no answer), and the groups' alarms are logged once a day.
	must(c.AddJob("*/10 * * * *", job("group facts", 5*time.Minute, r.facts.refresh)))
	return c
}

// upkeep refreshes each commune's Zalo token ahead of expiry and says
// loudly when a commune's connection is lost; one commune's failure does
// not stop the others'.
func (r *Runner) upkeep(ctx context.Context) error {
	cs := r.senders.Communes()
	var errs []error
	for _, c := range cs {
		if err := c.Sender.Upkeep(ctx); err != nil {
			errs = append(errs, fmt.Errorf("commune %s: %w", c.Code, err))
		}
		h := c.Sender.Health()
		switch {
		case h.Connected:
		case c.Sender.State().OA == "": // the one commune of a single-commune daemon
			r.log.Error().Str("commune", c.Code).Str("reason", h.LastError).
				Msg("Zalo OA is disconnected: sending is paused and the queue kept; " + reconnectAdvice([]CommuneSender{c}))
		default:
			r.log.Error().Str("commune", c.Code).Str("reason", h.LastError).
				Msg("Zalo OA of this commune is disconnected: its sending is paused and its queue kept, the other communes go on; " +
					reconnectAdvice([]CommuneSender{c}))
		}
	}
	return errors.Join(errs...)
}

// summary logs the last day's deliveries.
func (r *Runner) summary(ctx context.Context) error {
	counts, err := r.store.DeliveryCounts(ctx, r.now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	ev := r.log.Info()
	for state, n := range counts {
		ev = ev.Int(state, n)
	}
	ev.Msg("daily summary of deliveries in the last 24 hours")
	return nil
}
