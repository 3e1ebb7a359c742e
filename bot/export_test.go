package bot

import (
	"time"

	"github.com/rs/zerolog"
)

// NewAppWindow is NewApp with the limits' window scaled down, for tests
// that run the simulator's clock faster by the same factor.
func NewAppWindow(cfg Config, log zerolog.Logger, window time.Duration) *App {
	return newApp(cfg, log, window)
}
