package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/web"
)

// stopGrace bounds a graceful stop: in-flight sends get this long to
// finish before they are cancelled.
const stopGrace = 20 * time.Second

// newLogger builds the one logger of the process.
func newLogger(format string, w io.Writer) zerolog.Logger {
	if format == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"}
	}
	return zerolog.New(w).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}

// daemon is the wired system: the store, the Zalo client, the runner and
// the HTTP server, in the order they start and the reverse of how they stop.
type daemon struct {
	cfg    Config
	log    zerolog.Logger
	store  *notices.Store
	client *bot.Client
	app    *bot.App           // province mode: the one Zalo app of every commune's OA
	prov   *schedule.Province // province mode: each active commune's client
	runner *schedule.Runner
	hooks  *schedule.Webhooks // Zalo's webhook events, processed after the site stored them
	srv    *http.Server
	ln     net.Listener
	served chan error
}

// openDaemon opens the database and builds the client and runner; nothing
// runs until start.
func openDaemon(ctx context.Context, cfg Config, log zerolog.Logger) (*daemon, error) {
	store, err := openStore(ctx, cfg.DB, notices.Options{Location: cfg.Location, Logger: log, Commune: cfg.Commune})
	if err != nil {
		return nil, err
	}
	// The rules it runs with, for the CLI to say what it will do (daemonrules.go).
	if err := store.RecordDaemonRules(ctx, cfg.daemonRules()); err != nil {
		store.Close()
		return nil, err
	}
	d := &daemon{cfg: cfg, log: log, store: store}
	communes, err := store.Communes(ctx)
	if err != nil {
		d.close()
		return nil, err
	}
	var senders schedule.Senders
	switch {
	case len(communes) == 0: // the migrations make one
		d.close()
		return nil, errors.New("the database has no commune; add one with `loaxa commune add`")
	case len(communes) > 1:
		// Province mode: each commune's deliveries go out through its own
		// OA (province.go).
		if senders, err = d.province(communes); err != nil {
			d.close()
			return nil, err
		}
	default:
		if err := d.seedTokens(ctx); err != nil {
			d.close()
			return nil, err
		}
	}
	// The one client of a single commune; with several, the site's: it
	// reads the only commune's tokens, so it refuses ("choose a commune")
	// rather than act for one commune with another's OA.
	d.client = newClient(cfg, store, "", log)
	if senders == nil {
		// A commune added while it runs waits for the restart that starts
		// province mode (README: Cả tỉnh).
		senders = schedule.NewOneCommune(communes[0].ID, d.client)
	}
	d.runner, err = schedule.New(schedule.Config{
		Location:     cfg.Location,
		Commune:      cfg.Commune,
		Province:     cfg.Province,
		QuietHours:   cfg.Quiet,
		MaxLateness:  cfg.MaxLateness,
		PollInterval: cfg.PollInterval,
		Bulletin:     cfg.Slots,
		Version:      currentBuild().String(),
		ExtraMetrics: packageMetrics(store),
		Concurrency:  cfg.SendConc,
	}, store, senders, log)
	if err != nil {
		d.close()
		return nil, err
	}
	d.hooks = schedule.NewWebhooks(d.runner, log)
	return d, nil
}

func newClient(cfg Config, store bot.TokenStore, oa string, log zerolog.Logger) *bot.Client {
	return bot.NewClient(bot.Config{
		APIBase:    cfg.ZaloAPIBase,
		OAuthBase:  cfg.ZaloOAuthBase,
		AppID:      cfg.ZaloAppID,
		AppSecret:  cfg.ZaloAppSecret,
		RatePerMin: cfg.ZaloRatePerMin,
		OA:         oa,
	}, store, log.With().Str("component", "zalo").Logger())
}

// seedTokens stores ZALO_REFRESH_TOKEN on the first start. Afterwards the
// database holds the rotating pair and the variable is ignored: the value
// in the environment has been spent by the first refresh.
func (d *daemon) seedTokens(ctx context.Context) error {
	access, refresh, _, err := d.store.LoadZaloTokens(ctx)
	if err != nil {
		return err
	}
	switch {
	case d.cfg.ZaloRefreshToken == "":
	case access == "" && refresh == "":
		if err := d.store.SaveZaloTokens(ctx, "", d.cfg.ZaloRefreshToken, time.Time{}); err != nil {
			return fmt.Errorf("store ZALO_REFRESH_TOKEN: %w", err)
		}
		d.log.Info().Msg("ZALO_REFRESH_TOKEN stored; from now on the database holds the rotating token pair")
	case refresh != d.cfg.ZaloRefreshToken:
		d.log.Info().Msg("ZALO_REFRESH_TOKEN ignored: the database already holds a newer rotating token pair")
	}
	return nil
}

// close releases what openDaemon opened (the database), on every path
// that ends before start succeeded; stop is the way out after it.
func (d *daemon) close() {
	if err := d.store.Close(); err != nil {
		d.log.Warn().Err(err).Msg("close database")
	}
}

// start listens on addr, starts the runner, then serves handler. The
// listener is bound first so that a busy port fails before anything runs.
func (d *daemon) start(ctx context.Context, addr string, handler http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; set LOAXA_HTTP_ADDR to a free host:port", addr, err)
	}
	d.ln = ln
	if err := d.runner.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	// Webhook events stored before a crash are processed first.
	d.hooks.Start()
	d.srv = web.NewHTTPServer(addr, handler) // with the site's timeouts and header limit
	d.served = make(chan error, 1)
	go func() { d.served <- d.srv.Serve(ln) }()
	d.log.Info().Str("addr", d.url()).Msg("admin site listening")
	return nil
}

// url is the address the HTTP server listens on.
func (d *daemon) url() string {
	if d.ln == nil {
		return ""
	}
	return "http://" + d.ln.Addr().String()
}

// opsMux serves the site, which serves /healthz and /metrics too, with
// its security headers (web.Config.Health, Metrics).
func (d *daemon) opsMux(site http.Handler) http.Handler { return site }

// stop stops claiming, lets in-flight sends finish within stopGrace, shuts
// the HTTP server down, and closes the database last.
func (d *daemon) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	var errs []error
	if err := d.runner.Stop(ctx); err != nil {
		errs = append(errs, err)
	}
	if d.srv != nil {
		if err := d.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop admin site: %w", err))
		}
		if err := <-d.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("admin site: %w", err))
		}
	}
	d.hooks.Stop()
	if err := d.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close database: %w", err))
	}
	return errors.Join(errs...)
}

// serveCmd is `loaxa serve`: the daemon and the admin site until a signal.
func serveCmd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "loaxa serve", "[--addr HOST:PORT]",
		"Chạy tiến trình gửi tin (đọc cơ sở dữ liệu, gửi thông báo tới nhóm Zalo đúng giờ, mỗi tin một lần)\n"+
			"và trang quản trị, cho đến khi nhận tín hiệu dừng (Ctrl-C hoặc SIGTERM).",
		allEnv()...)
	addr := f.String("addr", "", "địa chỉ trang quản trị (ghi đè LOAXA_HTTP_ADDR)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		return err
	}
	cfg.DB = e.db
	if *addr != "" {
		cfg.HTTPAddr = *addr
	}
	guard, err := guardInstance(cfg, "serve")
	if err != nil {
		return err
	}
	defer guard.Close()
	log := newLogger(cfg.LogFormat, e.stderr)
	log.Info().Str("version", currentBuild().String()).Object("config", cfg).Msg("starting loaxa")
	d, err := openDaemon(ctx, cfg, log)
	if err != nil {
		return err
	}
	site, err := newSite(cfg, d, log)
	if err != nil {
		d.close()
		return err
	}
	if err := d.start(ctx, cfg.HTTPAddr, d.opsMux(site)); err != nil {
		d.close()
		return err
	}
	select {
	case <-ctx.Done():
		log.Info().Msg("stopping: finishing in-flight sends (a second signal stops at once)")
	case err := <-d.served:
		d.served <- err
		log.Error().Err(err).Msg("admin site stopped")
	}
	return d.stop()
}

// allEnv names every environment variable, for --help.
func allEnv() []string {
	names := make([]string, 0, len(envVars))
	for _, v := range envVars {
		if v.Name != "LOAXA_DB" {
			names = append(names, v.Name)
		}
	}
	return names
}
