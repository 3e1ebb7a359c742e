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
		CheckGroup: func(ctx context.Context, groupID string) (notices.GroupFacts, string) {
			c := checkGroup(ctx, d.groupChecker(ctx, groupID), d.store, groupID)
			return c.Facts, c.Refused
		},

		WebhookSecret:    cfg.ZaloOASecret,
		WebhookAppSecret: cfg.ZaloAppSecret,
		WebhookStored:    d.hooks.Notify,
	}, d.store, d.client, log.With().Str("component", "web").Logger())
}

// groupChecker is the client that checks group groupID with Zalo: in
// province mode that of its hamlet's commune (another OA is not in the
// group), else the one.
func (d *daemon) groupChecker(ctx context.Context, groupID string) schedule.GroupChecker {
	if d.prov == nil {
		return d.client
	}
	if h, err := d.store.HamletByGroup(ctx, groupID); err == nil {
		if s, ok := d.prov.For(h.CommuneID); ok {
			return s
		}
	}
	return d.client // not a hamlet's yet: the site's client, which asks for a commune
}
