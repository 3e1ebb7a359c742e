package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// dispatchConfig is the dispatcher's own configuration, checked by
// newDispatcher (the Runner fills it from its Config and defaults).
type dispatchConfig struct {
	Concurrency    int            // sends in flight fixed at this; 0: adaptive (inflight.go)
	PollInterval   time.Duration  // how often new tokens are looked for while disconnected
	Quiet          QuietHours     // in its zone: only urgent deliveries are claimed inside it
	Location       *time.Location // the commune zone: Zalo's night ban (-234) ends at 06:00 in it
	Backoff        Backoff        // waits between attempts of normal and low deliveries
	UrgentBackoff  Backoff
	MaxAttempts    int // transient failures before a delivery fails
	UrgentMaxTries int
	AnswerSettle   time.Duration // a lost answer's wait before its group's history is read
	ReconcileAfter time.Duration // the same, after a timeout
}

func (c dispatchConfig) validate() error {
	var errs []error
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d is negative", c.Concurrency))
	}
	if c.Location == nil || c.Quiet.Location() == nil {
		errs = append(errs, errors.New("no time zone, for the commune or its quiet hours"))
	}
	for name, d := range map[string]time.Duration{"poll interval": c.PollInterval,
		"answer settle time": c.AnswerSettle, "reconcile wait": c.ReconcileAfter} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s %v is not positive", name, d))
		}
	}
	for name, b := range map[string]Backoff{"backoff": c.Backoff, "urgent backoff": c.UrgentBackoff} {
		if b.Base <= 0 || b.Max < b.Base {
			errs = append(errs, fmt.Errorf("%s %v–%v is not a positive range", name, b.Base, b.Max))
		}
	}
	if c.MaxAttempts < 1 || c.UrgentMaxTries < 1 {
		errs = append(errs, fmt.Errorf("attempts %d and %d (urgent) must be at least 1", c.MaxAttempts, c.UrgentMaxTries))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("dispatcher configuration: %w", err)
	}
	return nil
}

// dispatchDeps is what the dispatcher is given, instead of reaching into
// the Runner: the queue in the store, each commune's Zalo client, a clock, a logger,
// the ledger of this run's claims (shared with the reconciler), the
// in-flight target (shared with /metrics), and two hooks.
type dispatchDeps struct {
	Queue   Queue
	Senders Senders
	Now     func() time.Time // UTC
	Log     zerolog.Logger
	Claims  *claims
	Flight  *inflight
	// Recorded is told of outcomes after their transaction: committed,
	// or not (their rows stay 'sending' for the reconciler).
	Recorded func(ctx context.Context, rs []result, committed bool)
	// Settle asks for a poll cycle at t, when a lost answer may be settled.
	Settle func(t time.Time)
}
