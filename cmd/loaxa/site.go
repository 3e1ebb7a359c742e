package main

import (
	"context"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
	"github.com/loaxa/loaxa/web"
)

// newSite builds the staff admin site and the public page served beside
// the daemon, on the daemon's store and Zalo client.
func newSite(cfg Config, d *daemon, log zerolog.Logger) (http.Handler, error) {
	if cfg.BaseURL == "" && len(cfg.TrustProxy) > 0 {
		log.Warn().Msg("LOAXA_TRUST_PROXY is set but LOAXA_BASE_URL is not: links stay relative and " +
			"the Zalo connection cannot be started from the site; set LOAXA_BASE_URL to the public address")
	}
	return web.New(web.Config{
		Location:       cfg.Location,
		Commune:        cfg.Commune,
		Province:       cfg.Province,
		Rules:          d.runner.Rules(),
		SelfApprove:    cfg.SelfApprove,
		BaseURL:        cfg.BaseURL,
		TrustedProxies: cfg.TrustProxy,
		SessionIdle:    cfg.SessionIdle,
		AddrFailures:   cfg.AddrFailures,
		Health:         d.runner.HealthHandler(),
		Metrics:        d.runner.MetricsHandler(),
		MetricsToken:   cfg.MetricsToken,
		Version:        currentBuild().String(),
		CheckGroup: func(ctx context.Context, commune int64, groupID string) (notices.GroupFacts, string) {
			c := checkGroup(ctx, d.groupChecker(ctx, commune, groupID), d.store, groupID)
			return c.Facts, c.Refused
		},
		ZaloFor: d.zaloFor(),

		WebhookSecret:    cfg.ZaloOASecret,
		WebhookAppSecret: cfg.ZaloAppSecret,
		WebhookStored:    d.hooks.Notify,
	}, d.store, d.client, log.With().Str("component", "web").Logger())
}

// zaloFor gives the site each commune's own OA client in province mode
// (the daemon's: a connection made on the site is the one it sends with);
// nil with one commune, whose client is d.client.
func (d *daemon) zaloFor() func(int64) web.Zalo {
	if d.prov == nil {
		return nil
	}
	return func(commune int64) web.Zalo {
		if c, ok := d.prov.Client(commune); ok {
			return c
		}
		return nil // an untyped nil: no client of this commune
	}
}

// groupChecker is the client that checks group groupID with Zalo: in
// province mode that of commune (a hamlet's to be; 0: unknown), else of
// the group's hamlet's commune (another OA is not in the group), else the
// one.
func (d *daemon) groupChecker(ctx context.Context, commune int64, groupID string) schedule.GroupChecker {
	if d.prov == nil {
		return d.client
	}
	if c, ok := d.prov.Client(commune); ok {
		return c
	}
	if h, err := d.store.HamletByGroup(ctx, groupID); err == nil {
		if s, ok := d.prov.For(h.CommuneID); ok {
			return s
		}
	}
	return d.client // not a hamlet's yet: the site's client, which asks for a commune
}
