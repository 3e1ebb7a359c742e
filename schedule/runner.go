package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// Config tunes a Runner. Zero fields take the defaults in docs/DESIGN.md.
type Config struct {
	Location     *time.Location       // the commune zone; default Asia/Ho_Chi_Minh
	Commune      string               // the name in every message's footer (one commune; several: each its communes.name)
	Province     string               // the name in the footer of province-wide notices (LOAXA_PROVINCE), e.g. "UBND tỉnh An Giang"
	QuietHours   QuietHours           // normal and low deliveries wait for the morning; read in Location unless it has a zone (In)
	MaxLateness  time.Duration        // a recurring occurrence later than this is skipped; default 1h
	PollInterval time.Duration        // how often other processes' writes are looked for; default 1s
	Bulletin     []notices.Recurrence // the bulletin slots (LOAXA_BULLETIN, parsed in Location); nil: "30 6,17 * * *"
	Concurrency  int                  // sends in flight at once; 0 (default): sized from the round trip and the rate (inflight.go)
	MaxAttempts  int                  // transient failures before a delivery fails; default 8
	Backoff      Backoff              // waits between attempts; default DefaultBackoff
	// Urgent deliveries retry on their own, shorter ladder, and try more
	// times before failing, so that they keep trying for about as long.
	UrgentBackoff     Backoff // default UrgentBackoff
	UrgentMaxAttempts int     // default 16
	// ReconcileAfter is how long claims left by a previous run, and calls
	// of this run that timed out, settle before their groups' history is
	// read: no shorter than the client's timeout, so that a request still
	// at work in Zalo has landed; default 20s.
	ReconcileAfter time.Duration
	// AnswerSettle is how long after a call that ended without a readable
	// answer, but not by a timeout (a broken connection), its group's
	// history is read; default 20s, as ReconcileAfter: a connection cut
	// between us and Zalo (a proxy, the network) does not stop Zalo's own
	// work on the request, which an outside probe saw land 10 s later.
	AnswerSettle  time.Duration
	HistoryCount  int           // most conversation items read to settle one group; default 200
	UnprovenAfter time.Duration // a claim neither found nor ruled out this long fails for a person to check; default 1h
	Version       string        // loaxa's version, reported by /healthz
	Now           func() time.Time

	// ExtraMetrics, when set, appends more of the Prometheus text format
	// to /metrics (cmd adds the GMF packages' expiry).
	ExtraMetrics func(ctx context.Context, w io.Writer)
}

func (c *Config) defaults() error {
	if c.Location == nil {
		loc, err := time.LoadLocation(notices.DefaultZone)
		if err != nil {
			return err
		}
		c.Location = loc
	}
	if c.QuietHours.Location() == nil {
		c.QuietHours = c.QuietHours.In(c.Location)
	}
	if c.MaxLateness <= 0 {
		c.MaxLateness = time.Hour
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.Bulletin == nil {
		rec, err := notices.ParseRecurrence("30 6,17 * * *", c.Location)
		if err != nil {
			return err
		}
		c.Bulletin = []notices.Recurrence{rec}
	}
	if c.Concurrency < 0 {
		c.Concurrency = 0
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff == (Backoff{}) {
		c.Backoff = DefaultBackoff
	}
	if c.UrgentBackoff == (Backoff{}) {
		c.UrgentBackoff = UrgentBackoff
	}
	if c.UrgentMaxAttempts <= 0 {
		c.UrgentMaxAttempts = 16
	}
	if c.ReconcileAfter <= 0 {
		c.ReconcileAfter = 20 * time.Second
	}
	if c.AnswerSettle <= 0 {
		c.AnswerSettle = 20 * time.Second
	}
	if c.HistoryCount <= 0 {
		c.HistoryCount = 200
	}
	if c.UnprovenAfter <= 0 {
		c.UnprovenAfter = time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Runner is the daemon: a poll loop that materialises due work, a
// dispatcher that sends it, and calendar jobs. Start it once, Stop it once.
type Runner struct {
	cfg      Config
	store    *notices.Store
	senders  Senders // each commune's OA (OneCommune, Province)
	log      zerolog.Logger
	bulletin []notices.Recurrence
	rulesV   notices.Rules // the sending rules shared with the site and the CLI
	disp     *dispatcher
	flight   *inflight // how many sends may be on the wire; the dispatcher's, read by /metrics
	claims   *claims   // this run's claims; the dispatcher's, read by the reconciler
	// reconciling is set while a reconciliation reads groups' histories,
	// which may go on past its poll cycle (reconcileBudget).
	reconciling atomic.Bool
	metrics     *metrics
	facts       *facts

	stop    chan struct{}
	cancel  context.CancelFunc // the work context: cancelled only by a hard stop
	wg      sync.WaitGroup
	cal     *cron.Cron
	stopped sync.Once
	started time.Time // when Start ran: claims older than it were left by a previous run

	planned chan struct{} // planCycle signals the poll loop
	planMu  sync.Mutex
	planAt  time.Time // the earliest cycle asked for by planCycle

	unprovenMu sync.Mutex
	unproven   map[int64]time.Time // deliveries not proven either way → when to look again

	communes communeWatch // the communes table as the routing last followed it (communesync.go)
}

// New checks cfg and returns a Runner that is not yet running. senders
// routes each commune's deliveries through its OA: NewOneCommune for a
// single commune's daemon, NewProvince for several.
func New(cfg Config, store *notices.Store, senders Senders, log zerolog.Logger) (*Runner, error) {
	if err := cfg.defaults(); err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	if store == nil || senders == nil {
		return nil, errors.New("schedule: a runner needs a store and the communes' senders")
	}
	r := &Runner{cfg: cfg, store: store, senders: senders, log: log, metrics: newMetrics(),
		planned: make(chan struct{}, 1)}
	r.bulletin = cfg.Bulletin
	r.rulesV = notices.Rules{Location: cfg.Location, Quiet: cfg.QuietHours, Bulletin: r.bulletin,
		MaxLateness: cfg.MaxLateness}
	r.flight, r.claims = newInflight(cfg.Concurrency, senders.RatePerMin()), newClaims()
	var err error
	r.disp, err = newDispatcher(dispatchConfig{Concurrency: cfg.Concurrency, PollInterval: cfg.PollInterval,
		Quiet: cfg.QuietHours, Location: cfg.Location, Backoff: cfg.Backoff, UrgentBackoff: cfg.UrgentBackoff,
		MaxAttempts: cfg.MaxAttempts, UrgentMaxTries: cfg.UrgentMaxAttempts, AnswerSettle: cfg.AnswerSettle,
		ReconcileAfter: cfg.ReconcileAfter,
	}, dispatchDeps{Queue: store, Senders: senders, Now: r.now, Log: log, Claims: r.claims, Flight: r.flight,
		Recorded: r.recorded, Settle: r.planCycle})
	if err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	r.facts = newFacts(r)
	return r, nil
}

func (r *Runner) now() time.Time { return r.cfg.Now().UTC() }

// recorded is told by the dispatcher of outcomes after their transaction:
// they are counted and logged, and a group Zalo refused is marked. A
// delivery that ended (sent or failed) may have been its notice's last:
// the poll loop runs its next cycle, which closes a finished notice
// (CloseFinished), at its next tick. Without it nothing woke the loop (the
// dispatcher's writes change no data_version and signal no Changed) and
// the notice read «đã duyệt» until the full cycle, up to a minute later.
func (r *Runner) recorded(ctx context.Context, rs []result, committed bool) {
	ended := false
	for _, res := range rs {
		r.observe(res)
		if committed {
			r.noteGroupRefused(ctx, res)
			ended = ended || res.Status == notices.DeliverySent || res.Status == notices.DeliveryFailed
			if res.Status == notices.DeliverySent {
				r.facts.sentOK(res.job.GroupID)
			}
		}
	}
	if ended {
		r.planCycle(r.now())
	}
}

// planCycle asks the poll loop for a cycle at t (or sooner), without
// waking it now.
func (r *Runner) planCycle(t time.Time) {
	r.planMu.Lock()
	if r.planAt.IsZero() || t.Before(r.planAt) {
		r.planAt = t
	}
	r.planMu.Unlock()
	select {
	case r.planned <- struct{}{}:
	default:
	}
}

// takePlan returns and forgets the earliest cycle asked for.
func (r *Runner) takePlan() time.Time {
	r.planMu.Lock()
	defer r.planMu.Unlock()
	t := r.planAt
	r.planAt = time.Time{}
	return t
}

// Start settles what a previous run left in 'sending', then starts the poll
// loop, the dispatcher and the calendar. ctx bounds the start-up only.
func (r *Runner) Start(ctx context.Context) error {
	// The communes as they are now: one added or enabled since the
	// routing was built gets its client, and the log names each disabled
	// one that still has deliveries queued.
	r.syncCommunes(ctx)
	for _, c := range r.senders.Communes() {
		if err := c.Sender.Reload(ctx); err != nil {
			r.log.Error().Err(err).Str("commune", c.Code).Msg("Zalo OA not connected: its deliveries wait in the queue until it is")
		}
	}
	// Claims left in 'sending' by a previous run are settled from the
	// groups' history, but not at once: a request the dead process sent
	// just before it died may still be on its way into Zalo, and a history
	// read too early would miss it and send the message again. The poll
	// loop settles them once ReconcileAfter has passed since this start.
	r.started = r.now()
	if left, err := r.store.SendingJobs(ctx, r.started.Add(time.Hour)); err != nil {
		r.log.Warn().Err(err).Msg("list deliveries left in sending by the previous run")
	} else if len(left) > 0 {
		r.log.Info().Int("count", len(left)).Dur("settle", r.cfg.ReconcileAfter).
			Msg("deliveries left in sending by the previous run; checking them against the groups' history once their requests have settled")
	}
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	r.stop = make(chan struct{})
	r.cal = r.calendar(work)
	r.cal.Start()
	r.wg.Add(4)
	go func() {
		defer r.wg.Done()
		r.facts.loop(work, r.stop)
	}()
	go func() {
		defer r.wg.Done()
		// Check the Zalo tokens at once (a refresh that is due, or one a
		// previous run left unfinished), so that a stranded OA raises the
		// alarm now rather than at the next send.
		ctx, cancel := context.WithTimeout(work, time.Minute)
		defer cancel()
		if err := r.upkeep(ctx); err != nil {
			r.log.Error().Err(err).Msg("zalo token check at start-up")
		}
	}()
	go func() {
		defer r.wg.Done()
		r.poll(work)
	}()
	go func() {
		defer r.wg.Done()
		r.disp.run(work, r.stop)
	}()
	conc := "adaptive"
	if r.cfg.Concurrency > 0 {
		conc = strconv.Itoa(r.cfg.Concurrency)
	}
	r.log.Info().Str("concurrency", conc).Str("quiet_hours", r.cfg.QuietHours.String()).
		Dur("poll_interval", r.cfg.PollInterval).Msg("daemon started")
	return nil
}

// Stop stops claiming and lets in-flight sends finish. If ctx ends first,
// the sends are cancelled (hard stop) and Stop still waits for their
// outcomes to be recorded, so nothing is left ambiguous that need not be.
func (r *Runner) Stop(ctx context.Context) error {
	var err error
	r.stopped.Do(func() {
		if r.stop == nil {
			return
		}
		close(r.stop)
		calDone := r.cal.Stop()
		done := make(chan struct{})
		go func() {
			r.wg.Wait()
			<-calDone.Done()
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			r.log.Warn().Msg("in-flight sends did not finish in time; cancelling them")
			r.cancel()
			<-done
			err = errors.New("schedule: stop deadline passed; in-flight sends were cancelled")
		}
		r.cancel()
		r.log.Info().Msg("daemon stopped")
	})
	return err
}
