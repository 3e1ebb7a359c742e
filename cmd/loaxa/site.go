package main

import (
	"context"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
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
			c := checkGroup(ctx, d.client, d.store, groupID)
			return c.Facts, c.Refused
		},

		WebhookSecret:    cfg.ZaloOASecret,
		WebhookAppSecret: cfg.ZaloAppSecret,
		WebhookStored:    d.hooks.Notify,
	}, d.store, d.client, log.With().Str("component", "web").Logger())
}
