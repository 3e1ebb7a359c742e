package main

import (
	"net/http"

	"github.com/rs/zerolog"
)

// newSite builds the admin site and the public page served beside the
// daemon. Until the web package lands, only /healthz and /metrics are served.
func newSite(cfg Config, d *daemon, log zerolog.Logger) (http.Handler, error) {
	return nil, nil
}
