package main

import (
	"net/http"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/web"
)

// newSite builds the staff admin site and the public page served beside
// the daemon, on the daemon's store and Zalo client.
func newSite(cfg Config, d *daemon, log zerolog.Logger) (http.Handler, error) {
	return web.New(web.Config{
		Location:    cfg.Location,
		Commune:     cfg.Commune,
		SelfApprove: cfg.SelfApprove,
		Version:     currentBuild().String(),
	}, d.store, d.client, log.With().Str("component", "web").Logger())
}
